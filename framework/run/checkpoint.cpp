#include "run/checkpoint.hpp"

#include "core/host_error.hpp"
#include "io/atomic_file.hpp"

#include <nlohmann/json.hpp>

#include <cmath>
#include <cstring>
#include <fstream>
#include <sstream>

namespace chimera {

namespace fs = std::filesystem;

namespace {

constexpr int kStateVersion = 1;

nlohmann::json to_json(const RunState& s, const std::string& tensors_file) {
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
    return j;
}

RunState from_json(const nlohmann::json& j) {
    RunState s;
    if (j.at("version").get<int>() != kStateVersion)
        throw std::runtime_error("run state version " + j.at("version").dump() + ", this Chimera reads " + std::to_string(kStateVersion));
    s.epoch = j.at("epoch").get<int64_t>();
    s.batch = j.at("batch").get<int64_t>();
    s.step = j.at("step").get<int64_t>();
    s.seed = j.at("random").at("seed").get<uint64_t>();
    s.streams_used = j.at("random").at("streams_used").get<uint64_t>();
    s.optimizer_steps = j.at("optimizer_steps").get<std::vector<int64_t>>();
    s.epoch_sums = j.at("epoch_sums").get<std::map<std::string, double>>();
    s.epoch_steps = j.at("epoch_steps").get<int64_t>();
    const auto& e = j.at("early_stopping");
    s.best_epoch = e.at("best_epoch").get<int64_t>();
    if (s.best_epoch >= 0) s.best = e.at("best").get<double>();
    s.bad_epochs = e.at("bad_epochs").get<int64_t>();
    s.finished = j.at("finished").get<bool>();
    s.config_hash = j.at("config_hash").get<std::string>();
    s.components = j.at("components").get<std::vector<std::string>>();
    if (s.epoch < 0 || s.batch < 0 || s.step < 0 || s.epoch_steps < 0)
        throw std::runtime_error("negative epoch, batch or step");
    return s;
}

}  // namespace

void save_checkpoint(const RunDirectory& run, const RunState& state, const NamedTensors& tensors) {
    run.create();
    const fs::path file = run.tensors(state.step);
    const std::string name = file.filename().string();
    write_safetensors(file, tensors, {{"format", "chimera-checkpoint"}});
    write_file_atomically(run.state(), to_json(state, name).dump(2) + "\n");
    // Older tensor files are no longer named by the state: remove them.
    std::error_code ec;
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
    try {
        nlohmann::json j = nlohmann::json::parse(in);
        c.state = from_json(j);
        tensors_file = j.at("tensors").get<std::string>();
    } catch (const std::exception& e) {
        throw DataError(c.file, std::string("not a readable checkpoint state: ") + e.what());
    }
    if (tensors_file.find('/') != std::string::npos)
        throw DataError(c.file, "'tensors' must name a file in the run directory");
    c.tensors = read_safetensors(run.path() / tensors_file, pool);
    return c;
}

void save_best(const RunDirectory& run, const NamedTensors& tensors) { write_safetensors(run.best(), tensors); }

void restore_best(const RunDirectory& run, const NamedTensors& targets, const std::shared_ptr<BufferPool>& pool) {
    restore_tensors(read_safetensors(run.best(), pool).tensors, targets, run.best());
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
