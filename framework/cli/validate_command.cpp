// `chimera validate FILE`: every check `chimera train` makes before training (the file's
// structure, plugins and their options, the dataflow, a dry shape pass at batch 2), then a short
// account of what the pipeline is. Exits 3 with file:line:col on the first problem.
#include "cli/command.hpp"
#include "cli/pipeline_session.hpp"
#include "core/suggest.hpp"
#include "core/text_table.hpp"
#include "inspect/layer_summary.hpp"

#include <fmt/format.h>

#include <iostream>

namespace po = boost::program_options;

namespace chimera {

namespace {

std::string ports(const PortMap& map) {
    std::vector<std::string> names;
    for (const auto& [port, tensor] : map) names.push_back(tensor);
    return join(names);
}

int run(const po::variables_map& vm) {
    const std::string file = vm["file"].as<std::string>();
    PipelineSession session(vm, file);
    const Pipeline& p = session.pipeline();
    const PipelineSpec& spec = p.spec();
    std::cout << file << ": valid\n";
    TextTable table({"PART", "NAME", "WHAT"});
    auto count = [](const DataSplit& s) { return s.present() ? with_thousands(static_cast<int64_t>(s.indices.size())) : std::string("no"); };
    std::vector<std::string> fields;
    for (const auto& f : p.fields()) fields.push_back(f.name + " " + dtype_name(f.dtype) + shape_text(f.shape));
    table.add_row({"data", spec.data.loader,
                   fmt::format("{} train, {} validation, {} test examples; fields {}", count(p.train_split()),
                               count(p.validation_split()), count(p.test_split()), join(fields))});
    for (const auto& n : spec.noise) table.add_row({"noise", n.name, n.distribution + " " + shape_text(n.shape)});
    for (std::size_t i : p.dataflow().order()) {
        const NodeSpec& n = spec.nodes[i];
        const ComponentInfo& c = p.node_instance(i).component();
        std::string what = n.share.empty() ? kind_name(c.kind) + "/" + c.name : "shares " + n.share;
        table.add_row({"node", n.name, fmt::format("{}: {} -> {}", what, ports(n.in), ports(n.out))});
    }
    for (const auto& l : spec.losses)
        table.add_row({"loss", l.name, fmt::format("{} of {} (weight {})", l.component,
                                                   l.params.empty() ? ports(l.in) : "parameters of " + join(l.params), l.weight)});
    for (std::size_t k = 0; k < spec.optimizers.size(); ++k) {
        const OptimizerSpec& o = spec.optimizers[k];
        int64_t n = 0;
        for (const auto& name : o.nodes)
            for (const auto& [pname, t] : p.node_parameters(spec.node_index(name)))
                if (t.requires_grad()) n += t.numel();
        table.add_row({"optimizer", o.name, fmt::format("{} over {}: {} parameters", o.component, join(o.nodes), with_thousands(n))});
    }
    for (const auto& ph : spec.phases)
        table.add_row({"phase", ph.name, fmt::format("losses {}; optimizers {}; {} update{} per step", join(ph.losses),
                                                     join(ph.optimizers), ph.updates, ph.updates == 1 ? "" : "s")});
    std::cout << table.render("  ");
    return 0;
}

}  // namespace

Command validate_command() {
    Command c;
    c.name = "validate";
    c.summary = "Check a pipeline file without training it";
    c.usage = "chimera validate FILE [--set KEY=VALUE ...] [options]";
    c.options = [] { return pipeline_file_options(po::options_description("Options")); };
    c.positional.add("file", 1);
    c.run = run;
    return c;
}

}  // namespace chimera
