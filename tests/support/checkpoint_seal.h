#pragma once
// Tests that edit a checkpoint's metadata or tensors on purpose (to reach a check behind the
// checksum) re-seal it: the checksum ember writes covers both.
#include <map>
#include <string>

#include <ember/io/safetensors.h>

namespace ember::io::detail {
// (src/io/checkpoint_checksum.h, internal)
std::string tensors_checksum(const std::map<std::string, Tensor>& tensors);
std::string checkpoint_checksum(const std::map<std::string, Tensor>& tensors,
                                const std::map<std::string, std::string>& metadata);
}  // namespace ember::io::detail

namespace ember::testing {

inline void reseal(io::SafetensorsFile& f) {
  f.metadata["ember.checksum"] = io::detail::checkpoint_checksum(f.tensors, f.metadata);
}

}  // namespace ember::testing
