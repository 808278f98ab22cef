// A growable byte buffer for records: appends are a capacity check and a memcpy, inline
// (std::string's append is a call into the library). A worker keeps one per chunk and
// clears it, so once it has grown it allocates nothing.
#pragma once

#include <cstddef>
#include <cstring>
#include <memory>
#include <string_view>

#include <fmt/format.h>

namespace lawful {

class TextBuffer {
 public:
  [[gnu::always_inline]] void append(const char* p, size_t n) {
    if (__builtin_expect(n > cap_ - size_, 0)) grow(n);
    std::memcpy(data_.get() + size_, p, n);
    size_ += n;
  }
  [[gnu::always_inline]] TextBuffer& operator+=(std::string_view s) {
    append(s.data(), s.size());
    return *this;
  }
  [[gnu::always_inline]] TextBuffer& operator+=(const char* s) { return *this += std::string_view(s); }
  TextBuffer& operator+=(char c) {
    if (size_ == cap_) grow(1);
    data_[size_++] = c;
    return *this;
  }
  void clear() { size_ = 0; }
  void reserve(size_t n) {
    if (n > cap_) grow(n - size_);
  }
  const char* data() const { return data_.get(); }
  size_t size() const { return size_; }
  bool empty() const { return size_ == 0; }
  std::string_view view() const { return {data_.get(), size_}; }

 private:
  [[gnu::noinline]] void grow(size_t need) {
    size_t cap = cap_ ? cap_ * 2 : 4096;
    while (cap - size_ < need) cap *= 2;
    std::unique_ptr<char[]> d(new char[cap]);
    if (size_) std::memcpy(d.get(), data_.get(), size_);
    data_ = std::move(d);
    cap_ = cap;
  }
  std::unique_ptr<char[]> data_;
  size_t size_ = 0;
  size_t cap_ = 0;
};

// A whole number in decimal, to a std::string or a TextBuffer.
template <class Out>
void append_uint(Out& out, uint64_t n) {
  fmt::format_int f(n);
  out.append(f.data(), f.size());
}

}  // namespace lawful
