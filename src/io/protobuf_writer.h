#pragma once
// A small protocol-buffers encoder (wire format: ../shared/FORMATS.md §1.4), enough to write
// TensorBoard's Event / Summary / GraphDef messages without linking protobuf.
//
//   ProtoWriter img;                       // Summary.Image
//   img.set_int(1, height);                // proto3 singular: omitted when 0
//   img.add_bytes(4, png);                 // always written (oneof members, repeated entries)
//   ProtoWriter value;
//   value.set_string(1, tag);
//   value.add_message(4, img);             // nested message = length-delimited field
//
// set_* write a proto3 singular field only when it differs from its default (0, 0.0, "");
// add_* always write (oneof members, which proto3 emits even when zero, and repeated entries).
#include <cmath>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace ember::io {

class ProtoWriter {
 public:
  enum WireType : uint32_t { kVarint = 0, kI64 = 1, kLen = 2, kI32 = 5 };

  // ---- always written ---------------------------------------------------------------
  // int32/int64/uint*/bool/enum. A negative int32 or int64 takes ten bytes, as protobuf's
  // own encoder writes it (sign-extended to 64 bits).
  void add_varint(uint32_t field, uint64_t v);
  void add_int(uint32_t field, int64_t v) { add_varint(field, static_cast<uint64_t>(v)); }
  void add_bool(uint32_t field, bool v) { add_varint(field, v ? 1 : 0); }
  void add_double(uint32_t field, double v);  // I64, little-endian IEEE-754
  void add_float(uint32_t field, float v);    // I32, little-endian IEEE-754
  void add_bytes(uint32_t field, std::string_view s);  // string, bytes
  void add_message(uint32_t field, const ProtoWriter& m) { add_bytes(field, m.buf_); }
  // Packed repeated numbers: one LEN field holding the values back to back (omitted if empty).
  void add_packed_double(uint32_t field, const std::vector<double>& v);
  void add_packed_float(uint32_t field, const std::vector<float>& v);
  void add_packed_varint(uint32_t field, const std::vector<int64_t>& v);

  // ---- proto3 singular fields: omitted when equal to the default ---------------------
  void set_int(uint32_t field, int64_t v) {
    if (v != 0) add_int(field, v);
  }
  void set_bool(uint32_t field, bool v) {
    if (v) add_bool(field, v);
  }
  void set_double(uint32_t field, double v) {
    if (v != 0.0 || std::signbit(v)) add_double(field, v);  // -0.0 is not the default bit pattern
  }
  void set_float(uint32_t field, float v) {
    if (v != 0.0f || std::signbit(v)) add_float(field, v);
  }
  void set_string(uint32_t field, std::string_view s) {
    if (!s.empty()) add_bytes(field, s);
  }

  const std::string& str() const { return buf_; }
  std::string release() { return std::move(buf_); }
  size_t size() const { return buf_.size(); }
  bool empty() const { return buf_.empty(); }

  // The bytes of a varint (for tests and for framing).
  static void append_varint(std::string& out, uint64_t v);

 private:
  void key(uint32_t field, WireType type) { append_varint(buf_, (static_cast<uint64_t>(field) << 3) | type); }
  std::string buf_;
};

}  // namespace ember::io
