// JSON-RPC 2.0 over a byte stream, framed as the Language Server Protocol frames it: a
// header (`Content-Length: N`, other fields ignored) ended by an empty line, then N bytes
// of JSON. One reader and one writer per stream.
#pragma once

#include <cstddef>
#include <mutex>
#include <string>

#include <nlohmann/json.hpp>

namespace lawful::lsp {

using json = nlohmann::json;

// JSON-RPC and LSP error codes.
enum ErrorCode : int {
  kParseError = -32700,
  kInvalidRequest = -32600,
  kMethodNotFound = -32601,
  kInvalidParams = -32602,
  kInternalError = -32603,
  kServerNotInitialized = -32002,
  kRequestFailed = -32803,
  kRequestCancelled = -32800,
};

enum class ReadStatus { Message, End, BadFrame };

class MessageReader {
 public:
  // A body larger than this is refused (BadFrame): a broken header cannot make the
  // server allocate without bound.
  static constexpr size_t kMaxBody = size_t{64} << 20;

  explicit MessageReader(int fd) : fd_(fd) {}
  // The next message's body. End: the stream ended (between messages or inside one).
  // BadFrame: a header without a usable Content-Length; `error` says why.
  ReadStatus read(std::string& body, std::string& error);
  // Bytes already read from the stream and not yet returned: the next read() may not block.
  bool buffered() const { return pos_ < buf_.size(); }

 private:
  bool fill();  // reads more bytes into buf_; false at the end of the stream
  int fd_;
  std::string buf_;
  size_t pos_ = 0;
};

class MessageWriter {
 public:
  explicit MessageWriter(int fd) : fd_(fd) {}
  // Writes one message whole; false once the stream is closed (the client went away).
  bool write(const json& message);
  bool broken() const { return broken_; }

 private:
  int fd_;
  std::mutex mu_;
  bool broken_ = false;
};

}  // namespace lawful::lsp
