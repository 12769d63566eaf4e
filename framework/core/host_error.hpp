// The host's error classes, one per failure class, each carrying what its handler needs. Library
// code throws these with what went wrong, where (file:line:col, plugin file, component) and what
// to do; only `cli/` turns them into flags, messages and exit codes (cli/exit_code.hpp). Not used
// across the plugin ABI, where errors travel as chm_status values.
#pragma once

#include <chimera/abi.h>

#include <cstdint>
#include <filesystem>
#include <optional>
#include <stdexcept>
#include <string>

namespace chimera {

// What every class below derives from: an error the host expected and can explain, as opposed to
// a bug (any other exception).
class HostError : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

// A request that cannot be done as asked: a bad flag, or arguments a library call refuses.
class UsageError : public HostError {
public:
    using HostError::HostError;
};

// Where in a source file a value sits: the file, its line and column (1-based; 0 when unknown,
// as for a value set in code), and its dotted path ("nodes.encoder.options"; "" for none).
struct SourcePlace {
    std::string file;
    int64_t line = 0, column = 0;
    std::string path = {};
    // "file:line:col (path)", "file (path)", "(path)", "file:line:col" or "file".
    std::string text() const;
};

// Something wrong in a pipeline file (or a run's copy of one), at a place in it.
class ConfigError : public HostError {
public:
    // `setting`, when given, is a "key=VALUE" that supplies what is missing without editing the
    // file (a run trained before the key existed), for `cli/` to offer as an override.
    ConfigError(SourcePlace place, const std::string& what, std::string setting = {});
    const SourcePlace& place() const noexcept { return place_; }
    const std::string& setting() const noexcept { return setting_; }

private:
    SourcePlace place_;
    std::string setting_;
};

// A plugin that would not load, describe itself or run. A failed call into a component
// carries the call (`method`: "create", "forward", ...) and the status the plugin returned.
class PluginError : public HostError {
public:
    using HostError::HostError;
    // "<who>: <method> failed (<status name>): <detail>".
    PluginError(const std::string& who, const std::string& method, chm_status status, const std::string& detail);
    // `cause` with where it happened put first ("<context>: <cause>"), keeping its call and status.
    PluginError(const std::string& context, const PluginError& cause);
    const std::string& method() const noexcept { return method_; }
    std::optional<chm_status> status() const noexcept { return status_; }

private:
    std::string method_;
    std::optional<chm_status> status_;
};

// Data, a checkpoint or a run directory that cannot be read or written: `file` names it when
// the error is about one file or directory.
class DataError : public HostError {
public:
    using HostError::HostError;
    // "<file>: <what>".
    DataError(const std::filesystem::path& file, const std::string& what);
    const std::filesystem::path& file() const noexcept { return file_; }

private:
    std::filesystem::path file_;
};

// Training stopped because a loss was not finite: which, its value, and where training was.
struct Divergence {
    std::string loss, phase;
    double value = 0;
    int64_t step = 0, epoch = 0;  // 1-based, as the progress shows them
};

class DivergedError : public HostError {
public:
    DivergedError(Divergence divergence, const std::string& message)
        : HostError(message), divergence_(std::move(divergence)) {}
    const Divergence& divergence() const noexcept { return divergence_; }

private:
    Divergence divergence_;
};

// Another rank of a data-parallel run failed, with this error (its message) and exit code: this
// rank stops too, with the same code.
class PeerError : public HostError {
public:
    PeerError(int exit_code, const std::string& message) : HostError(message), exit_code_(exit_code) {}
    int exit_code() const noexcept { return exit_code_; }

private:
    int exit_code_;
};

// The name of a status, as messages show it ("invalid argument").
std::string status_name(chm_status status);

}  // namespace chimera
