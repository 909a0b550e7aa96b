#include "ember/core/device.h"

#include <ostream>

#include "ember/core/error.h"

namespace ember {

Device::Device(const std::string& spec) {
  std::string kind = spec, idx;
  if (auto colon = spec.find(':'); colon != std::string::npos) {
    kind = spec.substr(0, colon);
    idx = spec.substr(colon + 1);
  }
  if (kind == "cpu") type = DeviceType::CPU;
  else if (kind == "cuda") type = DeviceType::CUDA;
  else EMBER_THROW("Device: unknown device '", spec, "' (expected cpu, cuda or cuda:N)");
  if (!idx.empty()) {
    try {
      size_t used = 0;
      index = std::stoi(idx, &used);
      EMBER_CHECK(used == idx.size() && index >= 0, "Device: bad index in '", spec, "'");
    } catch (const std::logic_error&) {
      EMBER_THROW("Device: bad index in '", spec, "'");
    }
  }
}

std::string Device::str() const {
  std::string s = type == DeviceType::CPU ? "cpu" : "cuda";
  if (index >= 0) s += ":" + std::to_string(index);
  return s;
}

std::ostream& operator<<(std::ostream& os, const Device& d) { return os << d.str(); }

}  // namespace ember
