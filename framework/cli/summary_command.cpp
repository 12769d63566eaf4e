// `chimera summary FILE`: for each node, the layers its plugin runs (seen by tracing one forward
// at batch 2), their output shapes and parameter counts, with totals, as Keras's summary().
#include "cli/command.hpp"
#include "cli/pipeline_session.hpp"
#include "inspect/layer_summary.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <iostream>

namespace po = boost::program_options;

namespace chimera {

namespace {

constexpr int64_t kTraceBatch = 2;

int run(const po::variables_map& vm) {
    const std::string file = vm["file"].as<std::string>();
    PipelineSession session(vm, file);
    const Pipeline& p = session.pipeline();
    const PipelineSpec& spec = p.spec();
    EvalScope eval(session.context());
    TensorMap values;
    const DataSplit& train = p.train_split();
    // The pipeline holds at least one batch of training examples, which may be a single one.
    const int64_t batch = std::min<int64_t>(kTraceBatch, static_cast<int64_t>(train.indices.size()));
    p.read_examples(train, std::vector<int64_t>(train.indices.begin(), train.indices.begin() + batch), values);
    p.sample_noise(values, batch);
    int64_t total = 0;
    for (std::size_t i : p.dataflow().order()) {
        const NodeSpec& n = spec.nodes[i];
        if (!n.share.empty()) {
            p.run_nodes(values, {i});
            std::cout << fmt::format("Node \"{}\" shares the layers and parameters of \"{}\"\n\n", n.name, n.share);
            continue;
        }
        std::vector<LayerRow> rows;
        {
            OpTrace trace(session.services());
            p.run_nodes(values, {i});
            rows = layer_rows(trace, n.name);
        }
        const ComponentInfo& c = p.node_instance(i).component();
        std::cout << format_layer_table(n.name, kind_name(c.kind) + "/" + c.name, rows, batch) << "\n";
        for (const auto& r : rows) total += r.params;
    }
    std::cout << fmt::format("Pipeline total: {} parameters in {} nodes\n", with_thousands(total), spec.nodes.size());
    return 0;
}

}  // namespace

Command summary_command() {
    Command c;
    c.name = "summary";
    c.summary = "Print each node's layers, output shapes and parameter counts";
    c.usage = "chimera summary FILE [--set KEY=VALUE ...] [options]";
    c.options = [] { return pipeline_file_options(po::options_description("Options")); };
    c.positional.add("file", 1);
    c.run = run;
    return c;
}

}  // namespace chimera
