#pragma once
// Images: JPEG and PNG decoding and encoding (Debian's libjpeg-turbo and libpng, kept out of
// this header). Decoded images are uint8 tensors laid out (H,W,C), C = 1 (grey), 3 (RGB) or
// 4 (RGBA), as PIL's np.asarray(img) gives them. Every problem throws ember::Error naming the
// file (or what `what` names) and what is wrong: not a JPEG/PNG, truncated, or the library's
// own message.
#include <cstdint>
#include <string>
#include <vector>

#include "ember/tensor/tensor.h"

namespace ember::io {

// Reads and decodes a JPEG or PNG file, chosen by its magic bytes (not its extension).
//   JPEG: grey -> C=1; YCbCr/RGB -> C=3; CMYK/YCCK -> converted to C=3.
//   PNG:  grey -> C=1; grey+alpha -> C=4; palette -> C=3 (C=4 with transparency); RGB -> 3;
//         RGBA -> 4; 16-bit samples keep their high byte; 1/2/4-bit grey is scaled to 0..255.
Tensor read_image(const std::string& path);
// Decodes image bytes held in memory; `what` names them in errors (a path, "upload #3", ...).
Tensor decode_image(const std::vector<uint8_t>& bytes, const std::string& what);

// Encodes a uint8 image (H,W,C) with C in {1,2,3,4}, or (H,W) grey. Any strides.
std::vector<uint8_t> encode_png(const Tensor& hwc_u8);
// Encodes a uint8 image (H,W,C) with C in {1,3}, or (H,W) grey, at quality 1..100
// (baseline, 4:2:0 chroma subsampling for colour, as PIL's default).
std::vector<uint8_t> encode_jpeg(const Tensor& hwc_u8, int quality = 95);

// Encode and write. The file is replaced atomically: the bytes go to a temporary file in the
// same directory, which is then renamed over `path`, so a reader never sees half an image.
void write_png(const std::string& path, const Tensor& hwc_u8);
void write_jpeg(const std::string& path, const Tensor& hwc_u8, int quality = 95);

}  // namespace ember::io
