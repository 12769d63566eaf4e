// The pipeline's graph from its spec alone: which node writes each tensor, an order in which
// nodes can run, the nodes a set of tensors needs, and the checks that need no plugin: every
// name refers to something, every tensor is written before it is read and only once, no
// cycles, every node feeds a loss (or generation). Not running anything (pipeline.hpp does).
#pragma once

#include "pipeline/pipeline_spec.hpp"

#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

namespace chimera {

class Dataflow {
public:
    // `sources` are the tensors that exist before any node runs: the loader's fields and the
    // noise tensors. Throws ConfigError naming file:line:col and the YAML path.
    Dataflow(const PipelineSpec& spec, const std::vector<std::string>& data_fields);

    // Node indices (into spec.nodes) in an order where every input is written first.
    const std::vector<std::size_t>& order() const { return order_; }
    // The nodes that must run, in order, to compute `targets` from `available` tensors.
    std::vector<std::size_t> nodes_for(const std::vector<std::string>& targets, const std::set<std::string>& available) const;
    // The node whose instance node `index` uses (itself unless it shares another's).
    std::size_t owner(std::size_t index) const { return owner_[index]; }
    bool is_data_field(const std::string& tensor) const { return data_fields_.count(tensor) != 0; }
    // The node that writes `tensor`, or nullopt for a data field or noise tensor.
    std::optional<std::size_t> writer(const std::string& tensor) const {
        auto it = writer_.find(tensor);
        return it == writer_.end() ? std::nullopt : std::optional<std::size_t>(it->second);
    }
    // Tensors a loss reads, directly.
    std::vector<std::string> loss_inputs(const LossSpec& loss) const;

private:
    void check_references() const;
    void index_writers();
    void sort_nodes();
    void check_every_node_used() const;

    const PipelineSpec& spec_;
    std::set<std::string> data_fields_;
    std::set<std::string> sources_;
    std::map<std::string, std::size_t> writer_;  // tensor -> node index
    std::vector<std::size_t> owner_;
    std::vector<std::size_t> order_;
};

}  // namespace chimera
