// The host's error classes and the exit code each maps to.
// Library code throws these with what went wrong, where (file:line:col, plugin file, component)
// and what to do; only `main` turns them into exit codes. Not used across the plugin ABI, where
// errors travel as chm_status values.
#pragma once

#include <stdexcept>
#include <string>

namespace chimera {

// Process exit codes, documented in the README. Stable: scripts depend on them.
enum class ExitCode : int {
    ok = 0,
    internal = 1,  // a bug in Chimera: please report it
    usage = 2,     // bad command line
    config = 3,    // bad pipeline YAML
    plugin = 4,    // a plugin failed to load, describe itself or run
    data = 5,      // unreadable or malformed data, checkpoint or run directory
    diverged = 6,  // training stopped: a loss became NaN or infinite
};

class HostError : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
    virtual ExitCode exit_code() const noexcept { return ExitCode::internal; }
};

class UsageError : public HostError {
public:
    using HostError::HostError;
    ExitCode exit_code() const noexcept override { return ExitCode::usage; }
};

class ConfigError : public HostError {
public:
    using HostError::HostError;
    ExitCode exit_code() const noexcept override { return ExitCode::config; }
};

class PluginError : public HostError {
public:
    using HostError::HostError;
    ExitCode exit_code() const noexcept override { return ExitCode::plugin; }
};

class DataError : public HostError {
public:
    using HostError::HostError;
    ExitCode exit_code() const noexcept override { return ExitCode::data; }
};

class DivergedError : public HostError {
public:
    using HostError::HostError;
    ExitCode exit_code() const noexcept override { return ExitCode::diverged; }
};

}  // namespace chimera
