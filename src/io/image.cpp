// JPEG (libjpeg-turbo) and PNG (libpng) decoding and encoding into (H,W,C) uint8 tensors.
// Both libraries report errors through callbacks; ours format the message and longjmp back to
// the frame that called setjmp. Those frames create no C++ object with a destructor after setjmp
// (all state lives in the caller's struct), so the jump skips only C frames and no destructor.
#include "ember/io/image.h"

#include <cerrno>
#include <csetjmp>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <iterator>

#include <jpeglib.h>  // after <cstdio>: it needs FILE and size_t
#include <jerror.h>
#include <png.h>

#include "data/file_util.h"
#include "ember/tensor/factory.h"

namespace ember::io {

namespace {

const uint8_t kPngMagic[8] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1A, '\n'};

bool is_jpeg(const std::vector<uint8_t>& b) { return b.size() >= 3 && b[0] == 0xFF && b[1] == 0xD8 && b[2] == 0xFF; }
bool is_png(const std::vector<uint8_t>& b) { return b.size() >= 8 && std::memcmp(b.data(), kPngMagic, 8) == 0; }

std::string hex_prefix(const std::vector<uint8_t>& b) {
  std::string s;
  char buf[4];
  for (size_t i = 0; i < b.size() && i < 8; ++i) {
    std::snprintf(buf, sizeof buf, "%s%02x", i ? " " : "", b[i]);
    s += buf;
  }
  return s;
}

// Decoding stops before allocating an image larger than this: PIL's decompression-bomb limit
// (2 x Image.MAX_IMAGE_PIXELS). A 700-byte JPEG whose header claims 65500 x 65500 pixels took
// 12 GB and a minute to decode into grey padding.
constexpr uint64_t kMaxPixels = 2 * 89478485ull;

// Whether a w x h image is over kMaxPixels; if so `message` (of `size` bytes) says so.
bool too_many_pixels(uint64_t w, uint64_t h, char* message, size_t size) {
  if (w * h <= kMaxPixels) return false;
  std::snprintf(message, size, "%llu x %llu = %llu pixels is more than the limit of %llu (a decompression bomb?)",
                static_cast<unsigned long long>(w), static_cast<unsigned long long>(h),
                static_cast<unsigned long long>(w * h), static_cast<unsigned long long>(kMaxPixels));
  return true;
}

// The image to encode as a contiguous (H,W,C) uint8 tensor; `op` names the caller in errors.
Tensor as_hwc_u8(const Tensor& img, const char* op, bool allow_alpha) {
  EMBER_CHECK(img.defined(), op, ": undefined tensor");
  EMBER_CHECK(img.dtype() == kUInt8, op, ": expects a uint8 image, got ", dtype_name(img.dtype()),
              " (convert with (x * 255).clamp(0, 255).to(kUInt8))");
  Tensor t = img;
  if (t.dim() == 2) t = t.unsqueeze(2);
  EMBER_CHECK(t.dim() == 3, op, ": expects an (H,W,C) or (H,W) image, got shape ", shape_str(img.shape()));
  int64_t c = t.size(2);
  if (allow_alpha)
    EMBER_CHECK(c >= 1 && c <= 4, op, ": expects 1 to 4 channels (last dim), got shape ", shape_str(img.shape()));
  else
    EMBER_CHECK(c == 1 || c == 3, op, ": expects 1 (grey) or 3 (RGB) channels (last dim), got shape ",
                shape_str(img.shape()), "; JPEG has no alpha channel");
  EMBER_CHECK(t.size(0) > 0 && t.size(1) > 0, op, ": empty image of shape ", shape_str(img.shape()));
  EMBER_CHECK(t.size(0) <= 65500 && t.size(1) <= 65500, op, ": image ", shape_str(img.shape()),
              " is larger than 65500 pixels on a side");
  return t.contiguous();
}

// ---- JPEG ----------------------------------------------------------------------------------

struct JpegError {
  jpeg_error_mgr pub;
  std::jmp_buf jump;
  char message[JMSG_LENGTH_MAX] = {0};
};

void jpeg_on_error(j_common_ptr cinfo) {
  auto* err = reinterpret_cast<JpegError*>(cinfo->err);
  (*cinfo->err->format_message)(cinfo, err->message);
  std::longjmp(err->jump, 1);
}

// Warnings are ignored (as PIL does) except running out of data: libjpeg would pad the image
// with grey, we call it truncated.
void jpeg_on_message(j_common_ptr cinfo, int level) {
  if (level < 0 && cinfo->err->msg_code == JWRN_JPEG_EOF) {
    auto* err = reinterpret_cast<JpegError*>(cinfo->err);
    std::snprintf(err->message, sizeof err->message, "truncated (the data ends before the image does)");
    std::longjmp(err->jump, 1);
  }
}

struct JpegDecode {
  const std::vector<uint8_t>* bytes;
  Tensor out;
  std::vector<uint8_t> row;  // CMYK scanline (here, not a local: a longjmp would skip its destructor)
  JpegError err;
  jpeg_decompress_struct cinfo;
};

// Returns false with d.err.message set on failure.
bool jpeg_decode(JpegDecode& d) {
  d.cinfo.err = jpeg_std_error(&d.err.pub);
  d.err.pub.error_exit = jpeg_on_error;
  d.err.pub.emit_message = jpeg_on_message;
  if (setjmp(d.err.jump)) {
    jpeg_destroy_decompress(&d.cinfo);
    return false;
  }
  jpeg_create_decompress(&d.cinfo);
  jpeg_mem_src(&d.cinfo, d.bytes->data(), static_cast<unsigned long>(d.bytes->size()));
  jpeg_read_header(&d.cinfo, TRUE);
  if (too_many_pixels(d.cinfo.image_width, d.cinfo.image_height, d.err.message, sizeof d.err.message)) {
    jpeg_destroy_decompress(&d.cinfo);
    return false;
  }
  bool cmyk = d.cinfo.jpeg_color_space == JCS_CMYK || d.cinfo.jpeg_color_space == JCS_YCCK;
  if (d.cinfo.num_components == 1)
    d.cinfo.out_color_space = JCS_GRAYSCALE;
  else if (cmyk)
    d.cinfo.out_color_space = JCS_CMYK;
  else
    d.cinfo.out_color_space = JCS_RGB;
  jpeg_start_decompress(&d.cinfo);
  const int64_t h = d.cinfo.output_height, w = d.cinfo.output_width, nc = d.cinfo.output_components;
  const int64_t c = cmyk ? 3 : nc;
  d.out = empty({h, w, c}, kUInt8);
  uint8_t* dst = d.out.data_ptr<uint8_t>();
  std::vector<uint8_t>& row = d.row;
  row.resize(cmyk ? static_cast<size_t>(w * 4) : 0);
  while (d.cinfo.output_scanline < d.cinfo.output_height) {
    uint8_t* line = dst + static_cast<int64_t>(d.cinfo.output_scanline) * w * c;
    JSAMPROW rp = cmyk ? row.data() : line;
    jpeg_read_scanlines(&d.cinfo, &rp, 1);
    if (cmyk) {
      // Adobe writes CMYK inverted; R = (255-C)(255-K)/255 on the true values.
      const bool inv = d.cinfo.saw_Adobe_marker;
      for (int64_t x = 0; x < w; ++x) {
        int k = inv ? row[x * 4 + 3] : 255 - row[x * 4 + 3];
        for (int ch = 0; ch < 3; ++ch) {
          int v = inv ? row[x * 4 + ch] : 255 - row[x * 4 + ch];
          line[x * 3 + ch] = static_cast<uint8_t>((v * k + 127) / 255);
        }
      }
    }
  }
  jpeg_finish_decompress(&d.cinfo);
  jpeg_destroy_decompress(&d.cinfo);
  return true;
}

struct JpegEncode {
  Tensor img;  // contiguous (H,W,C)
  int quality;
  unsigned char* buf = nullptr;
  unsigned long size = 0;
  JpegError err;
  jpeg_compress_struct cinfo;
};

bool jpeg_encode(JpegEncode& e) {
  e.cinfo.err = jpeg_std_error(&e.err.pub);
  e.err.pub.error_exit = jpeg_on_error;
  if (setjmp(e.err.jump)) {
    jpeg_destroy_compress(&e.cinfo);
    return false;
  }
  jpeg_create_compress(&e.cinfo);
  jpeg_mem_dest(&e.cinfo, &e.buf, &e.size);
  const int64_t h = e.img.size(0), w = e.img.size(1), c = e.img.size(2);
  e.cinfo.image_width = static_cast<JDIMENSION>(w);
  e.cinfo.image_height = static_cast<JDIMENSION>(h);
  e.cinfo.input_components = static_cast<int>(c);
  e.cinfo.in_color_space = c == 1 ? JCS_GRAYSCALE : JCS_RGB;
  jpeg_set_defaults(&e.cinfo);
  jpeg_set_quality(&e.cinfo, e.quality, TRUE);
  jpeg_start_compress(&e.cinfo, TRUE);
  uint8_t* src = e.img.data_ptr<uint8_t>();
  while (e.cinfo.next_scanline < e.cinfo.image_height) {
    JSAMPROW rp = src + static_cast<int64_t>(e.cinfo.next_scanline) * w * c;
    jpeg_write_scanlines(&e.cinfo, &rp, 1);
  }
  jpeg_finish_compress(&e.cinfo);
  jpeg_destroy_compress(&e.cinfo);
  return true;
}

// ---- PNG -----------------------------------------------------------------------------------

struct PngState {
  const std::vector<uint8_t>* in = nullptr;  // decoding
  size_t pos = 0;
  std::vector<uint8_t>* out = nullptr;  // encoding
  Tensor img;
  std::vector<png_bytep> rows;  // here, not a local: a longjmp would skip its destructor
  std::string message;
  png_structp png = nullptr;
  png_infop info = nullptr;
};

void png_on_error(png_structp png, png_const_charp msg) {
  auto* s = static_cast<PngState*>(png_get_error_ptr(png));
  if (s->message.empty()) s->message = msg;
  png_longjmp(png, 1);
}
void png_on_warning(png_structp, png_const_charp) {}

void png_read_bytes(png_structp png, png_bytep data, size_t len) {
  auto* s = static_cast<PngState*>(png_get_io_ptr(png));
  if (s->pos + len > s->in->size()) {
    s->message = detail::cat_str("truncated (needs ", len, " bytes at byte ", s->pos, " of a ", s->in->size(),
                                 "-byte file)");
    png_error(png, "truncated");
  }
  std::memcpy(data, s->in->data() + s->pos, len);
  s->pos += len;
}

void png_write_bytes(png_structp png, png_bytep data, size_t len) {
  auto* s = static_cast<PngState*>(png_get_io_ptr(png));
  s->out->insert(s->out->end(), data, data + len);
}
void png_flush_noop(png_structp) {}

bool png_decode(PngState& s) {
  s.png = png_create_read_struct(PNG_LIBPNG_VER_STRING, &s, png_on_error, png_on_warning);
  if (!s.png) { s.message = "out of memory"; return false; }
  s.info = png_create_info_struct(s.png);
  if (!s.info || setjmp(png_jmpbuf(s.png))) {
    png_destroy_read_struct(&s.png, &s.info, nullptr);
    if (s.message.empty()) s.message = "out of memory";
    return false;
  }
  png_set_read_fn(s.png, &s, png_read_bytes);
  png_read_info(s.png, s.info);
  char bomb[160];
  if (too_many_pixels(png_get_image_width(s.png, s.info), png_get_image_height(s.png, s.info), bomb, sizeof bomb)) {
    png_destroy_read_struct(&s.png, &s.info, nullptr);
    s.message = bomb;
    return false;
  }
  const int color = png_get_color_type(s.png, s.info);
  const int depth = png_get_bit_depth(s.png, s.info);
  if (depth == 16) png_set_strip_16(s.png);
  if (color == PNG_COLOR_TYPE_PALETTE) png_set_palette_to_rgb(s.png);
  if (color == PNG_COLOR_TYPE_GRAY && depth < 8) png_set_expand_gray_1_2_4_to_8(s.png);
  if (png_get_valid(s.png, s.info, PNG_INFO_tRNS)) png_set_tRNS_to_alpha(s.png);
  // Grey with alpha has no (H,W,C) convention of its own: widen it to RGBA.
  const bool grey_alpha = color == PNG_COLOR_TYPE_GRAY_ALPHA ||
                          (color == PNG_COLOR_TYPE_GRAY && png_get_valid(s.png, s.info, PNG_INFO_tRNS));
  if (grey_alpha) png_set_gray_to_rgb(s.png);
  png_set_interlace_handling(s.png);
  png_read_update_info(s.png, s.info);
  const int64_t h = png_get_image_height(s.png, s.info), w = png_get_image_width(s.png, s.info);
  const int64_t c = png_get_channels(s.png, s.info);
  s.img = empty({h, w, c}, kUInt8);
  s.rows.resize(static_cast<size_t>(h));
  for (int64_t y = 0; y < h; ++y) s.rows[static_cast<size_t>(y)] = s.img.data_ptr<uint8_t>() + y * w * c;
  png_read_image(s.png, s.rows.data());
  png_read_end(s.png, nullptr);
  png_destroy_read_struct(&s.png, &s.info, nullptr);
  return true;
}

bool png_encode(PngState& s) {
  s.png = png_create_write_struct(PNG_LIBPNG_VER_STRING, &s, png_on_error, png_on_warning);
  if (!s.png) { s.message = "out of memory"; return false; }
  s.info = png_create_info_struct(s.png);
  if (!s.info || setjmp(png_jmpbuf(s.png))) {
    png_destroy_write_struct(&s.png, &s.info);
    if (s.message.empty()) s.message = "out of memory";
    return false;
  }
  png_set_write_fn(s.png, &s, png_write_bytes, png_flush_noop);
  const int64_t h = s.img.size(0), w = s.img.size(1), c = s.img.size(2);
  static const int kColor[] = {PNG_COLOR_TYPE_GRAY, PNG_COLOR_TYPE_GRAY_ALPHA, PNG_COLOR_TYPE_RGB,
                               PNG_COLOR_TYPE_RGB_ALPHA};
  png_set_IHDR(s.png, s.info, static_cast<png_uint_32>(w), static_cast<png_uint_32>(h), 8, kColor[c - 1],
               PNG_INTERLACE_NONE, PNG_COMPRESSION_TYPE_DEFAULT, PNG_FILTER_TYPE_DEFAULT);
  png_set_compression_level(s.png, 6);
  png_write_info(s.png, s.info);
  uint8_t* src = s.img.data_ptr<uint8_t>();
  for (int64_t y = 0; y < h; ++y) png_write_row(s.png, src + y * w * c);
  png_write_end(s.png, nullptr);
  png_destroy_write_struct(&s.png, &s.info);
  return true;
}

std::vector<uint8_t> read_bytes(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  EMBER_CHECK(f, "read_image: cannot open ", path, ": ", std::strerror(errno));
  std::vector<uint8_t> b((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
  EMBER_CHECK(!f.bad(), "read_image: error reading ", path);
  return b;
}

Tensor decode(const std::vector<uint8_t>& bytes, const std::string& what, const char* op) {
  EMBER_CHECK(!bytes.empty(), op, ": ", what, ": empty file (0 bytes)");
  if (is_jpeg(bytes)) {
    auto d = std::make_unique<JpegDecode>();
    d->bytes = &bytes;
    if (!jpeg_decode(*d)) EMBER_THROW(op, ": ", what, ": bad JPEG: ", d->err.message);
    return d->out;
  }
  if (is_png(bytes)) {
    PngState s;
    s.in = &bytes;
    if (!png_decode(s)) EMBER_THROW(op, ": ", what, ": bad PNG: ", s.message);
    return s.img;
  }
  EMBER_THROW(op, ": ", what, ": not a JPEG or PNG file (first bytes: ", hex_prefix(bytes),
              "; JPEG starts ff d8 ff, PNG starts 89 50 4e 47 0d 0a 1a 0a)");
}

}  // namespace

Tensor decode_image(const std::vector<uint8_t>& bytes, const std::string& what) {
  return decode(bytes, what, "decode_image");
}

Tensor read_image(const std::string& path) { return decode(read_bytes(path), path, "read_image"); }

std::vector<uint8_t> encode_png(const Tensor& hwc_u8) {
  PngState s;
  std::vector<uint8_t> out;
  s.out = &out;
  s.img = as_hwc_u8(hwc_u8, "encode_png", true);
  if (!png_encode(s)) EMBER_THROW("encode_png: libpng: ", s.message);
  return out;
}

std::vector<uint8_t> encode_jpeg(const Tensor& hwc_u8, int quality) {
  EMBER_CHECK(quality >= 1 && quality <= 100, "encode_jpeg: quality must be in [1, 100], got ", quality);
  auto e = std::make_unique<JpegEncode>();
  e->img = as_hwc_u8(hwc_u8, "encode_jpeg", false);
  e->quality = quality;
  bool ok = jpeg_encode(*e);
  std::vector<uint8_t> out;
  if (ok) out.assign(e->buf, e->buf + e->size);
  std::free(e->buf);
  if (!ok) EMBER_THROW("encode_jpeg: libjpeg: ", e->err.message);
  return out;
}

void write_png(const std::string& path, const Tensor& hwc_u8) {
  const std::vector<uint8_t> bytes = encode_png(hwc_u8);
  data::detail::write_file_atomically(path, bytes.data(), bytes.size(), "write_png");
}

void write_jpeg(const std::string& path, const Tensor& hwc_u8, int quality) {
  const std::vector<uint8_t> bytes = encode_jpeg(hwc_u8, quality);
  data::detail::write_file_atomically(path, bytes.data(), bytes.size(), "write_jpeg");
}

}  // namespace ember::io
