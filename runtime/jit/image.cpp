// Where the native back end's code is loaded; see image.h.
#include "runtime/jit/image.h"

#include <elf.h>
#include <link.h>
#include <sys/stat.h>

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <fstream>

#include <fmt/format.h>

namespace lawful::jit {

namespace {

std::string build_id(const dl_phdr_info& info) {
  for (int i = 0; i < info.dlpi_phnum; ++i) {
    const ElfW(Phdr)& ph = info.dlpi_phdr[i];
    if (ph.p_type != PT_NOTE) continue;
    const char* p = reinterpret_cast<const char*>(info.dlpi_addr + ph.p_vaddr);
    const char* end = p + ph.p_memsz;
    while (p + sizeof(ElfW(Nhdr)) <= end) {
      ElfW(Nhdr) n;
      std::memcpy(&n, p, sizeof n);
      const char* name = p + sizeof n;
      const char* desc = name + ((n.n_namesz + 3) & ~3u);
      const char* next = desc + ((n.n_descsz + 3) & ~3u);
      if (next > end) break;
      if (n.n_type == NT_GNU_BUILD_ID && n.n_namesz == 4 && std::memcmp(name, "GNU", 4) == 0) {
        std::string hex;
        for (uint32_t k = 0; k < n.n_descsz; ++k) hex += fmt::format("{:02x}", static_cast<unsigned char>(desc[k]));
        return "build-id " + hex;
      }
      p = next;
    }
  }
  return {};
}

std::string file_identity(const char* path) {
  struct stat st;
  if (::stat(path, &st) != 0) return {};
  return fmt::format("file {}:{}:{}:{}.{}", static_cast<unsigned long long>(st.st_dev),
                     static_cast<unsigned long long>(st.st_ino), static_cast<long long>(st.st_size),
                     static_cast<long long>(st.st_mtim.tv_sec), static_cast<long>(st.st_mtim.tv_nsec));
}

int find_image(dl_phdr_info* info, size_t, void* data) {
  auto* img = static_cast<Image*>(data);
  const auto here = reinterpret_cast<uintptr_t>(&find_image);
  uintptr_t lo = UINTPTR_MAX, hi = 0;
  for (int i = 0; i < info->dlpi_phnum; ++i) {
    const ElfW(Phdr)& ph = info->dlpi_phdr[i];
    if (ph.p_type != PT_LOAD) continue;
    lo = std::min<uintptr_t>(lo, info->dlpi_addr + ph.p_vaddr);
    hi = std::max<uintptr_t>(hi, info->dlpi_addr + ph.p_vaddr + ph.p_memsz);
  }
  if (here < lo || here >= hi) return 0;
  // The anchor is the first loaded byte, not the load bias: a program linked at fixed
  // addresses (-no-pie) has a bias of 0, and ORC takes a symbol at 0 for one that is not
  // defined ("Program used external function 'lawful_image' which could not be
  // resolved", and an abort). Where the first segment is at offset 0 (every
  // position-independent image), the two are the same.
  img->base = lo;
  img->lo = lo;
  img->hi = hi;
  img->identity = build_id(*info);
  if (img->identity.empty())
    img->identity = file_identity(info->dlpi_name && *info->dlpi_name ? info->dlpi_name : "/proc/self/exe");
  return 1;
}

}  // namespace

const Image& this_image() {
  static const Image img = [] {
    Image i;
    dl_iterate_phdr(find_image, &i);
    return i;
  }();
  return img;
}

std::vector<std::pair<uintptr_t, uintptr_t>> mapped_ranges() {
  std::vector<std::pair<uintptr_t, uintptr_t>> out;
  std::ifstream maps("/proc/self/maps");
  std::string line;
  while (std::getline(maps, line)) {
    unsigned long long lo = 0, hi = 0;
    if (std::sscanf(line.c_str(), "%llx-%llx", &lo, &hi) == 2) out.emplace_back(lo, hi);
  }
  return out;
}

}  // namespace lawful::jit
