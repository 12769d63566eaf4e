// Tracing a plugin module's forward and turning the trace into a Keras-style table. The op
// observer hook is in plugin/host_services.hpp; the host table calls it (plugin/host_compute.cpp).
// Not the `summary` command itself: building the pipeline and running the forward is the caller's.
#include "inspect/layer_summary.hpp"

#include "autograd/parameter_store.hpp"
#include "core/text_table.hpp"

#include <algorithm>
#include <utility>

namespace chimera {

OpTrace::OpTrace(HostServices& services)
    : services_(services), observing_(services, [this](const OpCall& call) { record(call.op, call.inputs, call.outputs); }) {}

void OpTrace::record(const std::string& op, const std::vector<Tensor>& inputs,
                     const std::vector<Tensor>& outputs) {
    TracedOp row;
    row.op = op;
    if (!outputs.empty() && outputs[0].defined()) row.output = outputs[0].shape();
    const ParameterStore& store = services_.context.parameters();
    for (const Tensor& t : inputs) {
        ParameterStore::Role role = store.role_of(t);
        if (role == ParameterStore::Role::none) continue;
        row.parameters.push_back(t.name());
        if (!counted_.insert(t.name()).second) continue;  // already counted at an earlier op
        (role == ParameterStore::Role::parameter ? row.trainable : row.non_trainable) += t.numel();
    }
    ops_.push_back(std::move(row));
}

namespace {

// "node.fc1.weight" -> "fc1"; a parameter directly under the node ("node.scale") is its own layer.
std::string layer_of(const std::string& parameter, const std::string& node) {
    std::string rest = parameter;
    if (!node.empty() && rest.rfind(node + ".", 0) == 0) {
        rest = rest.substr(node.size() + 1);
    } else if (auto dot = rest.find('.'); dot != std::string::npos) {
        rest = rest.substr(dot + 1);
    }
    auto last = rest.rfind('.');
    return last == std::string::npos ? rest : rest.substr(0, last);
}

std::string layers_of(const TracedOp& op, const std::string& node) {
    std::vector<std::string> layers;
    for (const auto& p : op.parameters) {
        std::string layer = layer_of(p, node);
        if (std::find(layers.begin(), layers.end(), layer) == layers.end()) layers.push_back(layer);
    }
    std::string joined;
    for (const auto& l : layers) joined += (joined.empty() ? "" : ", ") + l;
    return joined;
}

std::string shape_with_batch(const Shape& shape, int64_t batch) {
    if (shape.empty() || batch <= 0 || shape[0] != batch) return shape_text(shape);
    std::string text = "[N";
    for (std::size_t i = 1; i < shape.size(); ++i) text += ", " + std::to_string(shape[i]);
    return text + "]";
}

std::string right_aligned(const std::string& text, std::size_t width) {
    return std::string(width > text.size() ? width - text.size() : 0, ' ') + text;
}

}  // namespace

std::vector<LayerRow> layer_rows(const OpTrace& trace, const std::string& node) {
    std::vector<LayerRow> rows;
    for (const TracedOp& op : trace.ops())
        rows.push_back({layers_of(op, node), op.op, op.output, op.trainable + op.non_trainable, op.non_trainable});
    return rows;
}

std::string with_thousands(int64_t n) {
    // The magnitude through unsigned arithmetic, so that INT64_MIN has one too.
    const auto bits = static_cast<unsigned long long>(n);
    std::string digits = std::to_string(n < 0 ? 0ull - bits : bits);
    std::string out;
    for (std::size_t i = 0; i < digits.size(); ++i) {
        if (i > 0 && (digits.size() - i) % 3 == 0) out += ',';
        out += digits[i];
    }
    return n < 0 ? "-" + out : out;
}

std::string format_layer_table(const std::string& node, const std::string& component,
                               const std::vector<LayerRow>& rows, int64_t batch) {
    // Counts right-aligned under "Param #", as numbers read best; TextTable itself aligns left.
    const std::string count_header = "Param #";
    std::vector<std::string> counts;
    std::size_t count_width = count_header.size();
    int64_t total = 0, non_trainable = 0;
    for (const LayerRow& r : rows) {
        counts.push_back(with_thousands(r.params));
        count_width = std::max(count_width, counts.back().size());
        total += r.params;
        non_trainable += r.non_trainable;
    }
    TextTable table({"Layer (op)", "Output shape", right_aligned(count_header, count_width)});
    for (std::size_t i = 0; i < rows.size(); ++i) {
        const LayerRow& r = rows[i];
        std::string name = r.layer.empty() ? "(" + r.op + ")" : r.layer + " (" + r.op + ")";
        table.add_row({name, shape_with_batch(r.output, batch), right_aligned(counts[i], count_width)});
    }
    std::string body = table.render();
    const std::size_t header_end = body.find('\n') + 1;
    const std::string rule_heavy(header_end - 1, '='), rule_light(header_end - 1, '-');

    std::string out = "Node \"" + node + "\" (" + component + ")\n" + rule_heavy + '\n';
    out += body.substr(0, header_end) + rule_light + '\n' + body.substr(header_end) + rule_heavy + '\n';
    out += "Total params: " + with_thousands(total) + '\n';
    out += "Trainable params: " + with_thousands(total - non_trainable) + '\n';
    out += "Non-trainable params: " + with_thousands(non_trainable) + '\n';
    return out;
}

}  // namespace chimera
