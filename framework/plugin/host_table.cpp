#include "plugin/host_table.hpp"

#include "plugin/config_node.hpp"
#include "plugin/host_services.hpp"

#include <iostream>

namespace chimera {

namespace {

// Per thread, like errno: a plugin on one thread never sees another thread's failure.
thread_local std::string error_message;

const char* level_name(chm_log_level level) {
    switch (level) {
    case CHM_LOG_DEBUG: return "debug";
    case CHM_LOG_INFO: return "info";
    case CHM_LOG_WARNING: return "warning";
    default: return "error";
    }
}

const HostTable& owner(const chm_host* host) {
    return *static_cast<const HostTable*>(host->host_data);
}

void host_log(const chm_host* host, chm_log_level level, const char* message) {
    if (!host || !message) return;
    try {
        const HostTable& table = owner(host);
        table.logger().log(level, table.library_name(), message);
    } catch (...) {
        // A log line that cannot be written is dropped: logging must never fail a plugin.
    }
}

chm_status host_set_error(const chm_host*, chm_status status, const char* message) {
    try {
        error_message = message ? message : "";
    } catch (...) {
        error_message.clear();  // out of memory: keep the status, lose the detail
    }
    return status;
}

const char* host_last_error(const chm_host*) { return error_message.c_str(); }

}  // namespace

Logger::Logger(chm_log_level min_level)
    : Logger(min_level, [](chm_log_level level, const std::string& source,
                           const std::string& message) {
          std::cerr << "chimera: [" << source << "] " << level_name(level) << ": " << message
                    << '\n';
      }) {}

Logger::Logger(chm_log_level min_level, Sink sink) : min_level_(min_level), sink_(std::move(sink)) {}

void Logger::log(chm_log_level level, const std::string& source,
                 const std::string& message) const {
    if (level >= min_level_) sink_(level, source, message);
}

HostTable::HostTable(std::string library_name, const Logger& logger)
    : library_name_(std::move(library_name)), logger_(logger) {
    table_.struct_size = sizeof(chm_host);
    table_.abi_major = CHM_ABI_VERSION_MAJOR;
    table_.abi_minor = CHM_ABI_VERSION_MINOR;
    table_.host_data = this;
    table_.log = host_log;
    table_.set_error = host_set_error;
    table_.last_error = host_last_error;
    install_config_functions(table_);
    install_compute_functions(table_);
}

chm_status record_host_error(const std::string& message, chm_status status) noexcept {
    try {
        error_message = message;
    } catch (...) {
        error_message.clear();  // out of memory: keep the status, lose the detail
    }
    return status;
}

void clear_plugin_error() { error_message.clear(); }

std::string take_plugin_error(const std::string& fallback) {
    std::string out = error_message.empty() ? fallback : error_message;
    error_message.clear();
    return out;
}

}  // namespace chimera
