// The function table the host hands each plugin library (chm_host), one per library so that
// log lines and errors name the plugin they came from. Also the per-thread error record that
// set_error and last_error share. Not the loading of libraries (plugin_library).
#pragma once

#include <chimera/abi.h>

#include "core/host_error.hpp"

#include <functional>
#include <new>
#include <string>

namespace chimera {

struct HostServices;

// Where plugin and host log lines go. Passed down explicitly; tests capture lines with a sink.
class Logger {
public:
    using Sink = std::function<void(chm_log_level, const std::string& source, const std::string&)>;
    // Writes "chimera: [source] level: message" to stderr at `min_level` and above.
    explicit Logger(chm_log_level min_level = CHM_LOG_INFO);
    Logger(chm_log_level min_level, Sink sink);
    void log(chm_log_level level, const std::string& source, const std::string& message) const;
    chm_log_level min_level() const { return min_level_; }

private:
    chm_log_level min_level_;
    Sink sink_;
};

// A chm_host for one library. Lives at a fixed address (libraries keep the pointer).
class HostTable {
public:
    // Keeps its own copy of `logger`: the table may outlive the registry that made it.
    HostTable(std::string library_name, const Logger& logger);
    HostTable(const HostTable&) = delete;
    HostTable& operator=(const HostTable&) = delete;

    const chm_host* get() const { return &table_; }
    void rename(std::string library_name) { library_name_ = std::move(library_name); }
    const std::string& library_name() const { return library_name_; }
    const Logger& logger() const { return logger_; }
    void set_logger(const Logger& logger) { logger_ = logger; }
    // The compute services plugins reach through this table, or nullptr (see host_services.hpp).
    HostServices* services() const { return services_; }
    void attach(HostServices* services) { services_ = services; }

private:
    chm_host table_{};
    HostServices* services_ = nullptr;
    std::string library_name_;
    Logger logger_;
};

// The calling thread's error record, written by set_error (plugins) and by failing host
// functions, read back by the host after a plugin call fails.
chm_status record_host_error(const std::string& message, chm_status status = CHM_ERR_RUNTIME) noexcept;
void clear_plugin_error();
// The recorded message, or `fallback` when the plugin failed without saying why.
std::string take_plugin_error(const std::string& fallback);

// Runs the body of a host function, turning every exception into a status and a recorded
// message: nothing may escape a host function into plugin code. `what` names the function.
template <class Body>
chm_status host_call(const char* what, Body&& body) noexcept {
    try {
        return body();
    } catch (const std::bad_alloc&) {
        return record_host_error("out of memory", CHM_ERR_OUT_OF_MEMORY);  // no allocation to say it
    } catch (const HostError& e) {  // shape and argument errors already name the op and shapes
        return record_host_error(e.what(), CHM_ERR_INVALID_ARGUMENT);
    } catch (const std::exception& e) {
        return record_host_error(std::string(what) + ": " + e.what());
    } catch (...) {
        return record_host_error(std::string(what) + ": unknown exception");
    }
}

}  // namespace chimera
