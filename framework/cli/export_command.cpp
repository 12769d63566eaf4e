// `chimera export RUN_DIR --nodes NODE[,NODE...] --out model.onnx`: a trained run's nodes as an
// ONNX model (export/onnx_export.hpp), traced in evaluation mode at two batch sizes; with
// --check-data, also the graph's inputs and outputs of one batch as .npy files, for another
// runtime to compute the same outputs from the same inputs.
#include "cli/command.hpp"
#include "cli/pipeline_session.hpp"
#include "core/host_error.hpp"
#include "export/onnx_export.hpp"
#include "io/atomic_file.hpp"
#include "io/npy.hpp"
#include "ops/op_registry.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <iostream>
#include <map>
#include <set>

namespace po = boost::program_options;
namespace fs = std::filesystem;

namespace chimera {

namespace {

// What the chosen nodes read but none of them writes (the graph's inputs), and what they write
// but none of them reads (its outputs), in the nodes' port order.
struct Boundary {
    std::vector<std::string> inputs, outputs;
};

Boundary boundary_of(const PipelineSpec& spec, const std::vector<std::size_t>& nodes) {
    std::set<std::string> written, read;
    for (std::size_t i : nodes) {
        for (const auto& [port, tensor] : spec.nodes[i].in) read.insert(tensor);
        for (const auto& [port, tensor] : spec.nodes[i].out) written.insert(tensor);
    }
    Boundary b;
    for (std::size_t i : nodes) {
        for (const auto& [port, tensor] : spec.nodes[i].in)
            if (!written.count(tensor) && std::find(b.inputs.begin(), b.inputs.end(), tensor) == b.inputs.end()) b.inputs.push_back(tensor);
        for (const auto& [port, tensor] : spec.nodes[i].out)
            if (!read.count(tensor)) b.outputs.push_back(tensor);
    }
    return b;
}

// --inputs and --outputs against what the chosen nodes read and write: each once, an output
// something they write, an input something they read, no tensor both.
void check_boundary(const PipelineSpec& spec, const std::vector<std::size_t>& nodes, Boundary& b) {
    std::set<std::string> read, written;
    for (std::size_t i : nodes) {
        for (const auto& [port, tensor] : spec.nodes[i].in) read.insert(tensor);
        for (const auto& [port, tensor] : spec.nodes[i].out) written.insert(tensor);
    }
    auto unique = [](std::vector<std::string>& v) {
        std::vector<std::string> kept;
        for (const auto& x : v)
            if (std::find(kept.begin(), kept.end(), x) == kept.end()) kept.push_back(x);
        v = kept;
    };
    unique(b.inputs);
    unique(b.outputs);
    for (const auto& t : b.outputs)
        if (!written.count(t)) throw UsageError(fmt::format("--outputs: the chosen nodes do not write '{}' (they write {})", t, fmt::join(written, ", ")));
    for (const auto& t : b.inputs) {
        if (!read.count(t)) throw UsageError(fmt::format("--inputs: the chosen nodes do not read '{}' (they read {})", t, fmt::join(read, ", ")));
        if (std::find(b.outputs.begin(), b.outputs.end(), t) != b.outputs.end())
            throw UsageError("--inputs, --outputs: '" + t + "' cannot be both an input and an output");
    }
    if (b.outputs.empty()) throw UsageError("chimera export: the chosen nodes write nothing that they do not also read; name --outputs");
}

// With --activation, what each output goes through: the generate section's activation for the
// images it draws (image, reconstruction), a modality's own for what decodes it.
std::map<std::string, std::string> output_activations(const GenerateSpec& g, const std::vector<std::string>& outputs) {
    std::map<std::string, std::string> made;
    for (const std::string& t : outputs) {
        if (t == g.image || t == g.reconstruction) made[t] = g.activation;
        for (const ModalitySpec& m : g.modalities)
            if (t == m.prior || t == m.posterior) made[t] = m.activation;
    }
    return made;
}

// The chosen nodes in dataflow order.
std::vector<std::size_t> chosen_nodes(const Pipeline& p, const std::string& list) {
    const PipelineSpec& spec = p.spec();
    std::set<std::size_t> wanted;
    for (const std::string& name : split_list(list)) {
        if (!spec.find_node(name)) {
            std::vector<std::string> names;
            for (const auto& n : spec.nodes) names.push_back(n.name);
            throw UsageError(fmt::format("--nodes: no node '{}' in this pipeline (nodes: {})", name, fmt::join(names, ", ")));
        }
        wanted.insert(spec.node_index(name));
    }
    if (wanted.empty()) throw UsageError("--nodes: name at least one node, e.g. --nodes decoder");
    std::vector<std::size_t> ordered;
    for (std::size_t i : p.dataflow().order())
        if (wanted.count(i)) ordered.push_back(i);
    return ordered;
}

// The values the chosen nodes start from, for a batch of `n`: examples of the split reconstruct
// reads, the noise, and whatever other nodes make of them that the chosen ones read.
TensorMap starting_values(const Pipeline& p, int64_t n, const std::vector<std::string>& inputs, const std::vector<std::size_t>& nodes) {
    const DataSplit& split = p.test_split().present() ? p.test_split() : p.validation_split().present() ? p.validation_split() : p.train_split();
    if (static_cast<int64_t>(split.indices.size()) < n)
        throw UsageError(fmt::format("chimera export: the run's data has {} examples, fewer than the {} it traces with", split.indices.size(), n));
    TensorMap values;
    p.read_examples(split, std::vector<int64_t>(split.indices.begin(), split.indices.begin() + n), values);
    p.sample_noise(values, n);
    std::set<std::string> available;
    for (const auto& v : values) available.insert(v.first);
    std::vector<std::size_t> before;
    for (std::size_t i : p.dataflow().nodes_for(inputs, available))
        if (std::find(nodes.begin(), nodes.end(), i) == nodes.end()) before.push_back(i);
    p.run_nodes(values, before);
    for (const std::string& t : inputs)
        if (!values.count(t)) throw UsageError("--inputs: '" + t + "' is not made before the chosen nodes run");
    return values;
}

ExportTrace trace_nodes(PipelineSession& session, const std::vector<std::size_t>& nodes, const Boundary& b, int64_t n, uint64_t seed) {
    const Pipeline& p = session.pipeline();
    EvalScope eval(session.context(), seed);
    ExportTrace trace;
    trace.batch = n;
    TensorMap values = starting_values(p, n, b.inputs, nodes);
    for (const std::string& t : b.inputs) trace.inputs.emplace_back(t, values.at(t));
    for (std::size_t i : nodes) {
        GraphTrace calls(session.services());
        p.run_nodes(values, {i});
        trace.nodes.emplace_back(p.spec().nodes[i].name, calls.calls());
    }
    for (const std::string& t : b.outputs) {
        if (!values.count(t)) throw UsageError("--outputs: '" + t + "' is not written by the chosen nodes");
        trace.outputs.emplace_back(t, values.at(t));
    }
    return trace;
}

// One batch of the graph's inputs and outputs as NAME.npy in `dir`, outputs with the activation
// the model applies.
void write_check_data(PipelineSession& session, const std::vector<std::size_t>& nodes, const Boundary& b, int64_t n, uint64_t seed,
                      const std::map<std::string, std::string>& activation, const fs::path& dir) {
    std::error_code ec;
    fs::create_directories(dir, ec);
    if (ec) throw DataError(dir, "cannot create the directory: " + ec.message());
    const ExportTrace t = trace_nodes(session, nodes, b, n, seed);
    for (const auto& [name, tensor] : t.inputs) write_npy(dir / (name + ".npy"), tensor);
    for (const auto& [name, tensor] : t.outputs) {
        auto act = activation.find(name);
        const bool plain = act == activation.end() || act->second == "none";
        write_npy(dir / (name + ".npy"), plain ? tensor : session.ops().call(session.context(), act->second, {tensor}).front());
    }
}

int run(const po::variables_map& vm) {
    const fs::path run_dir = vm["run"].as<std::string>();
    if (!vm.count("nodes")) throw UsageError("chimera export: say which nodes with --nodes NODE[,NODE...] (e.g. --nodes decoder)");
    if (!vm.count("out")) throw UsageError("chimera export: say where the model goes with --out FILE.onnx");
    const int opset = vm["opset"].as<int>();
    if (opset < 13 || opset > 17) throw UsageError(fmt::format("--opset: 13 to 17, not {}", opset));
    const int64_t n = vm["n"].as<int64_t>();
    if (n < 1 || n > 4096) throw UsageError("--n: 1 to 4096, not " + std::to_string(n));
    const fs::path out = output_file(vm["out"].as<std::string>());
    auto session = PipelineSession::open_run(vm, run_dir);
    const Pipeline& p = session->pipeline();
    const std::vector<std::size_t> nodes = chosen_nodes(p, vm["nodes"].as<std::string>());
    Boundary b = boundary_of(p.spec(), nodes);
    if (vm.count("inputs")) b.inputs = split_list(vm["inputs"].as<std::string>());
    if (vm.count("outputs")) b.outputs = split_list(vm["outputs"].as<std::string>());
    check_boundary(p.spec(), nodes, b);
    OnnxOptions o;
    o.opset = opset;
    o.graph_name = fmt::format("{}", fmt::join(split_list(vm["nodes"].as<std::string>()), "+"));
    if (vm.count("activation")) o.activation = output_activations(p.spec().generate, b.outputs);
    const uint64_t seed = seed_option(vm);
    // Two batch sizes show which dimensions are the batch; their traces must run the same ops.
    const ExportTrace a = trace_nodes(*session, nodes, b, 3, seed), c = trace_nodes(*session, nodes, b, 5, seed);
    const std::string model = onnx_model(a, c, session->context().parameters(), o);
    // The check data before the model: a failure leaves no model that was never checked against it.
    if (vm.count("check-data")) write_check_data(*session, nodes, b, n, seed, o.activation, vm["check-data"].as<std::string>());
    write_file_atomically(out, model);
    std::string applied;
    for (const auto& [t, how] : o.activation)
        if (how != "none") applied += fmt::format("{}{} after {}", applied.empty() ? " (" : ", ", t, how);
    std::cout << fmt::format("Wrote {} ({:.1f} MB): ONNX opset {}, inputs {}, outputs {}{}\n", out.string(), model.size() / 1e6, o.opset,
                             fmt::join(b.inputs, ", "), fmt::join(b.outputs, ", "), applied.empty() ? "" : applied + ")");
    if (vm.count("check-data"))
        std::cout << fmt::format("Wrote {} examples' inputs and outputs as .npy files to {}\n", n, vm["check-data"].as<std::string>());
    return 0;
}

}  // namespace

Command export_command() {
    Command c;
    c.name = "export";
    c.summary = "Write a trained run's nodes as an ONNX model";
    c.usage = "chimera export RUN_DIR --nodes NODE[,NODE...] --out FILE.onnx [--inputs T,...] [--outputs T,...] [--activation] [--opset 13]";
    c.options = [] {
        po::options_description o("Options");
        o.add_options()("run", po::value<std::string>()->required()->value_name("RUN_DIR"), "the run directory of chimera train")(
            "nodes", po::value<std::string>()->value_name("NODE,..."), "the nodes to export, e.g. decoder or encoder,sample,decoder")(
            "out,o", po::value<std::string>()->value_name("FILE.onnx"), "the ONNX model")(
            "inputs", po::value<std::string>()->value_name("TENSOR,..."),
            "the graph's inputs (default: what the nodes read and none of them writes)")(
            "outputs", po::value<std::string>()->value_name("TENSOR,..."),
            "the graph's outputs (default: what the nodes write and none of them reads)")(
            "activation", "apply the generate section's activation to the outputs (images straight out)")(
            "opset", po::value<int>()->default_value(13), "the ONNX operator set, 13 to 17")(
            "check-data", po::value<std::string>()->value_name("DIR"),
            "also write one batch's inputs and outputs as NAME.npy files into DIR, to check the model elsewhere")(
            "n", po::value<int64_t>()->default_value(8), "examples in the check data")(
            "set", po::value<std::vector<std::string>>()->value_name("KEY=VALUE")->composing(),
            "change the run's pipeline for this command (repeatable)");
        o.add(plugin_options());
        o.add(compute_options());
        return o;
    };
    c.positional.add("run", 1);
    c.run = run;
    return c;
}

}  // namespace chimera
