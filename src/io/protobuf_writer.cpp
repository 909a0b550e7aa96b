// ProtoWriter: varints, fixed-width little-endian numbers and length-delimited fields.
#include "io/protobuf_writer.h"

#include <bit>
#include <cstring>

namespace ember::io {

static_assert(std::endian::native == std::endian::little,
              "protobuf fixed-width fields are little-endian; a big-endian host needs byte swapping here");

void ProtoWriter::append_varint(std::string& out, uint64_t v) {
  while (v >= 0x80) {
    out.push_back(static_cast<char>((v & 0x7F) | 0x80));
    v >>= 7;
  }
  out.push_back(static_cast<char>(v));
}

void ProtoWriter::add_varint(uint32_t field, uint64_t v) {
  key(field, kVarint);
  append_varint(buf_, v);
}

void ProtoWriter::add_double(uint32_t field, double v) {
  key(field, kI64);
  char b[8];
  std::memcpy(b, &v, 8);
  buf_.append(b, 8);
}

void ProtoWriter::add_float(uint32_t field, float v) {
  key(field, kI32);
  char b[4];
  std::memcpy(b, &v, 4);
  buf_.append(b, 4);
}

void ProtoWriter::add_bytes(uint32_t field, std::string_view s) {
  key(field, kLen);
  append_varint(buf_, s.size());
  buf_.append(s.data(), s.size());
}

void ProtoWriter::add_packed_double(uint32_t field, const std::vector<double>& v) {
  if (v.empty()) return;
  std::string payload(v.size() * 8, '\0');
  std::memcpy(payload.data(), v.data(), payload.size());
  add_bytes(field, payload);
}

void ProtoWriter::add_packed_float(uint32_t field, const std::vector<float>& v) {
  if (v.empty()) return;
  std::string payload(v.size() * 4, '\0');
  std::memcpy(payload.data(), v.data(), payload.size());
  add_bytes(field, payload);
}

void ProtoWriter::add_packed_varint(uint32_t field, const std::vector<int64_t>& v) {
  if (v.empty()) return;
  std::string payload;
  for (int64_t x : v) append_varint(payload, static_cast<uint64_t>(x));
  add_bytes(field, payload);
}

}  // namespace ember::io
