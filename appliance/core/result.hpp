#pragma once
// Result<T>: the value of an operation that can fail at run time for an expected reason
// (a daemon down, a file gone, a server answering 5xx). Bad configuration is an exception
// instead; see CONTRIBUTING.md, "Errors" under Style.

#include <cassert>
#include <string>
#include <utility>
#include <variant>

namespace cairn {

enum class ErrorCode {
  kNotFound,      // the thing asked for does not exist
  kUnavailable,   // the peer cannot be reached or answered 5xx; retrying may help
  kInvalidInput,  // the request or a response was malformed
  kConflict,      // the state changed under us or already exists
  kPermission,    // the OS or the peer refused access
  kTimeout,       // no answer within the deadline
  kIo,            // a local read, write or process failed
  kFailed,        // anything else: the operation ran and did not succeed
};

const char* errorCodeName(ErrorCode code);

struct Error {
  ErrorCode code = ErrorCode::kFailed;
  std::string message;
};

inline Error makeError(ErrorCode code, std::string message) { return Error{code, std::move(message)}; }

template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value) : state_(std::move(value)) {}  // NOLINT: implicit by design
  Result(Error error) : state_(std::move(error)) {}  // NOLINT: implicit by design

  bool ok() const { return state_.index() == 0; }
  explicit operator bool() const { return ok(); }

  const T& value() const& {
    assert(ok());
    return std::get<0>(state_);
  }
  T& value() & {
    assert(ok());
    return std::get<0>(state_);
  }
  T&& value() && {
    assert(ok());
    return std::get<0>(std::move(state_));
  }
  const Error& error() const {
    assert(!ok());
    return std::get<1>(state_);
  }

 private:
  std::variant<T, Error> state_;
};

// Result<void> carries only success or an Error.
template <>
class [[nodiscard]] Result<void> {
 public:
  Result() = default;
  Result(Error error) : error_(std::move(error)), ok_(false) {}  // NOLINT: implicit by design

  bool ok() const { return ok_; }
  explicit operator bool() const { return ok_; }
  const Error& error() const {
    assert(!ok_);
    return error_;
  }

 private:
  Error error_;
  bool ok_ = true;
};

using Status = Result<void>;

}  // namespace cairn
