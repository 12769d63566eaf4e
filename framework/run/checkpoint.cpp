#include "run/checkpoint.hpp"

#include "core/host_error.hpp"
#include "io/atomic_file.hpp"

#include <nlohmann/json.hpp>

#include <cmath>
#include <cstdint>
#include <cstring>
#include <fstream>
#include <sstream>

namespace chimera {

namespace fs = std::filesystem;

namespace {

constexpr int kStateVersion = 1;

// JSON numbers are exact up to 2^53, and every count the trainer adds to stays far below
// overflow from there: a larger step, epoch or batch is a damaged file, not a long run.
constexpr int64_t kMaxCount = int64_t{1} << 53;
const char* const kChecksums = "checksums";

nlohmann::json to_json(const RunState& s, const std::string& tensors_file, const std::map<std::string, std::string>& checksums) {
    nlohmann::json j;
    j["version"] = kStateVersion;
    j["tensors"] = tensors_file;
    j["epoch"] = s.epoch;
    j["batch"] = s.batch;
    j["step"] = s.step;
    j["random"] = {{"seed", s.seed}, {"streams_used", s.streams_used}};
    j["optimizer_steps"] = s.optimizer_steps;
    j["epoch_sums"] = s.epoch_sums;
    j["epoch_steps"] = s.epoch_steps;
    j["early_stopping"] = {{"best", s.best_epoch >= 0 ? nlohmann::json(s.best) : nlohmann::json()},
                           {"best_epoch", s.best_epoch},
                           {"bad_epochs", s.bad_epochs}};
    j["finished"] = s.finished;
    j["config_hash"] = s.config_hash;
    j["components"] = s.components;
    j[kChecksums] = checksums;
    return j;
}

// `value` (named `name` in messages) as an integer from `low` to `high`: not a fraction, not 1e300.
int64_t integer(const nlohmann::json& value, const std::string& name, int64_t low, int64_t high = kMaxCount) {
    bool fits = false;  // low <= 0: a JSON non-negative integer (unsigned) is never below it
    if (value.is_number_unsigned()) fits = value.get<uint64_t>() <= static_cast<uint64_t>(high);
    else if (value.is_number_integer()) fits = value.get<int64_t>() >= low && value.get<int64_t>() <= high;
    if (!fits)
        throw std::runtime_error("'" + name + "' must be an integer from " + std::to_string(low) + " to " + std::to_string(high) +
                                 ", got " + value.dump());
    return value.get<int64_t>();
}

double finite(const nlohmann::json& value, const std::string& name) {
    if (!value.is_number() || !std::isfinite(value.get<double>()))
        throw std::runtime_error("'" + name + "' must be a finite number, got " + value.dump());
    return value.get<double>();
}

RunState from_json(const nlohmann::json& j) {
    RunState s;
    if (j.at("version") != kStateVersion)
        throw std::runtime_error("run state version " + j.at("version").dump() + ", this Chimera reads " + std::to_string(kStateVersion));
    s.epoch = integer(j.at("epoch"), "epoch", 0);
    s.batch = integer(j.at("batch"), "batch", 0);
    s.step = integer(j.at("step"), "step", 0);
    const auto& random = j.at("random");
    s.seed = static_cast<uint64_t>(integer(random.at("seed"), "random.seed", 0, INT64_MAX));  // as train.seed and --seed
    s.streams_used = static_cast<uint64_t>(integer(random.at("streams_used"), "random.streams_used", 0));
    const auto& optimizer_steps = j.at("optimizer_steps");
    if (!optimizer_steps.is_array()) throw std::runtime_error("'optimizer_steps' must be a list, got " + optimizer_steps.dump());
    for (std::size_t k = 0; k < optimizer_steps.size(); ++k)
        s.optimizer_steps.push_back(integer(optimizer_steps[k], "optimizer_steps[" + std::to_string(k) + "]", 0));
    const auto& sums = j.at("epoch_sums");
    if (!sums.is_object()) throw std::runtime_error("'epoch_sums' must be an object, got " + sums.dump());
    for (const auto& [name, sum] : sums.items()) s.epoch_sums[name] = finite(sum, "epoch_sums." + name);
    s.epoch_steps = integer(j.at("epoch_steps"), "epoch_steps", 0);
    const auto& e = j.at("early_stopping");
    s.best_epoch = integer(e.at("best_epoch"), "early_stopping.best_epoch", -1);
    if (s.best_epoch >= 0) s.best = finite(e.at("best"), "early_stopping.best");
    s.bad_epochs = integer(e.at("bad_epochs"), "early_stopping.bad_epochs", 0);
    s.finished = j.at("finished").get<bool>();
    s.config_hash = j.at("config_hash").get<std::string>();
    s.components = j.at("components").get<std::vector<std::string>>();
    return s;
}

// The tensors' checksums a state records; none in a checkpoint from before they were kept.
std::map<std::string, std::string> checksums_of(const nlohmann::json& j) {
    if (!j.contains(kChecksums)) return {};
    const auto& c = j.at(kChecksums);
    if (!c.is_object() || c.empty()) throw std::runtime_error("'checksums' must map each tensor to its checksum, got " + c.dump());
    return c.get<std::map<std::string, std::string>>();
}

std::map<std::string, std::string> checksums(const NamedTensors& tensors) {
    std::map<std::string, std::string> out;
    for (const auto& [name, t] : tensors) out[name] = tensor_checksum(t);
    return out;
}

// best.safetensors has no state beside it: its checksums travel in its own header.
const std::string kChecksumKey = "checksum/";

}  // namespace

void save_checkpoint(const RunDirectory& run, const RunState& state, const NamedTensors& tensors) {
    run.create();
    const fs::path file = run.tensors(state.step);
    const std::string name = file.filename().string();
    std::error_code ec;
    const bool existed = fs::exists(file, ec);
    write_safetensors(file, tensors, {{"format", "chimera-checkpoint"}});
    try {
        write_file_atomically(run.state(), to_json(state, name, checksums(tensors)).dump(2) + "\n");
    } catch (const DataError&) {
        // The state still names the previous tensor file; a new one no state names would only
        // take the space (on a full disk, the very space that was missing).
        if (!existed) fs::remove(file, ec);
        throw;
    }
    // Older tensor files are no longer named by the state: remove them.
    for (const auto& entry : fs::directory_iterator(run.path(), ec)) {
        const std::string f = entry.path().filename().string();
        if (f != name && RunDirectory::is_tensors_file(f)) fs::remove(entry.path(), ec);
    }
}

Checkpoint load_checkpoint(const RunDirectory& run, const std::shared_ptr<BufferPool>& pool) {
    Checkpoint c;
    c.file = run.state();
    std::ifstream in(c.file);
    if (!in) throw DataError(c.file, "no checkpoint here (train first, or check the run directory)");
    std::string tensors_file;
    std::map<std::string, std::string> recorded;
    try {
        nlohmann::json j = nlohmann::json::parse(in);
        c.state = from_json(j);
        tensors_file = j.at("tensors").get<std::string>();
        recorded = checksums_of(j);
    } catch (const std::exception& e) {
        throw DataError(c.file, std::string("not a readable checkpoint state: ") + e.what());
    }
    if (tensors_file.find('/') != std::string::npos)
        throw DataError(c.file, "'tensors' must name a file in the run directory");
    const fs::path file = run.path() / tensors_file;
    c.tensors_file = file;
    c.tensors = read_safetensors(file, pool);
    verify_tensors(c.tensors, recorded, file, c.file.filename().string());
    return c;
}

void save_best(const RunDirectory& run, const NamedTensors& tensors) {
    std::map<std::string, std::string> metadata = {{"format", "chimera-best"}};
    for (const auto& [name, checksum] : checksums(tensors)) metadata[kChecksumKey + name] = checksum;
    write_safetensors(run.best(), tensors, metadata);
}

void restore_best(const RunDirectory& run, const NamedTensors& targets, const std::shared_ptr<BufferPool>& pool) {
    const SafetensorsContent best = read_safetensors(run.best(), pool);
    std::map<std::string, std::string> recorded;
    for (const auto& [key, value] : best.metadata)
        if (key.rfind(kChecksumKey, 0) == 0) recorded[key.substr(kChecksumKey.size())] = value;
    verify_tensors(best, recorded, run.best(), "its header");
    restore_tensors(best.tensors, targets, run.best());
}

void restore_tensors(const NamedTensors& source, const NamedTensors& targets, const std::filesystem::path& file) {
    for (const auto& [name, target] : targets) {
        const Tensor* found = nullptr;
        for (const auto& s : source)
            if (s.first == name) found = &s.second;
        if (!found) throw DataError(file, "has no tensor '" + name + "' (was it written by another pipeline?)");
        if (found->shape() != target.shape() || found->dtype() != target.dtype())
            throw DataError(file, "tensor '" + name + "' is " + describe(*found) + ", the pipeline needs " + describe(target));
        std::memcpy(target.raw(), found->raw(), static_cast<std::size_t>(target.numel()) * 4);  // f32 and i32
    }
}

}  // namespace chimera
