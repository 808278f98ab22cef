// SHA-256 (FIPS 180-4), for the content hash that identifies a policy version
// (docs/embedding.md, "Versions"). Written here from the standard rather than taken from
// a library: the runtime has no cryptographic dependency, and the hash is computed once
// per compilation, so speed does not matter.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace lawful {

class Sha256 {
 public:
  Sha256();
  void update(std::string_view data);
  // The digest; the object must not be updated afterwards.
  std::array<uint8_t, 32> finish();
  // The digest of `data` in 64 lowercase hex digits.
  static std::string hex(std::string_view data);
  static std::string to_hex(const std::array<uint8_t, 32>& digest);

 private:
  void block(const uint8_t* p);
  uint32_t h_[8];
  uint8_t buf_[64];
  size_t used_ = 0;
  uint64_t length_ = 0;  // bytes
};

}  // namespace lawful
