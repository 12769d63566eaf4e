#include "plugin/port_check.hpp"

#include "plugin/config_node.hpp"

namespace chimera {

namespace {

// The value of string option `option`, "" when absent.
std::string option_value(const chm_config& config, const std::string& option) {
    const chm_config* member = config.member(option.c_str());
    return member ? member->scalar() : std::string();
}

// "input 'mu' f32[64, 20]": the tensor at the caller's index `who`.
std::string tensor_text(int who, const NamedTensors& inputs, const NamedTensors* outputs) {
    const bool output = who >= static_cast<int>(inputs.size());
    const auto& [name, t] = output ? (*outputs)[static_cast<std::size_t>(who) - inputs.size()] : inputs[static_cast<std::size_t>(who)];
    return std::string(output ? "output '" : "input '") + name + "' " + describe(t);
}

}  // namespace

std::string PortCheck::Port::label() const {
    if (info->form == PortInfo::Form::option) return name + " (" + info->name + ")";
    return name;
}

PortCheck::PortCheck(const ComponentInfo& component, const chm_config& config) {
    auto make = [&](const std::vector<PortInfo>& declared, std::vector<Port>& out) {
        for (const PortInfo& p : declared) {
            Port port{&p, p.form == PortInfo::Form::option ? option_value(config, p.option) : p.name, {}};
            if (port.name.empty()) continue;  // "{option}" with the option "": no such port
            if (!p.shape.empty()) port.pattern = ShapePattern::parse(p.shape, symbols_);
            out.push_back(std::move(port));
        }
    };
    make(component.inputs, inputs_);
    make(component.outputs, outputs_);
    bindings_.reset(symbols_.size());
}

const PortCheck::Port* PortCheck::find(const std::vector<Port>& ports, const std::string& key) {
    for (const Port& p : ports)
        if (p.info->form == PortInfo::Form::family ? p.info->in_family(key) : p.name == key) return &p;
    return nullptr;
}

void PortCheck::check_one(const Port& port, const std::string& key, const Tensor& t, int who, const NamedTensors& inputs,
                          const NamedTensors* outputs) const {
    const bool output = who >= static_cast<int>(inputs.size());
    // Only a misfit builds strings: the passing path is a dtype compare and the pattern's loop.
    auto head = [&] { return std::string(output ? "output '" : "input '") + key + "' is " + describe(t) + " but port " + port.label(); };
    const chm_dtype dtype = static_cast<chm_dtype>(t.dtype());
    if (port.info->dtype != CHM_DTYPE_ANY && port.info->dtype != dtype)
        throw PortError(head() + " takes " + port_dtype_name(port.info->dtype), key, output, "", false);
    const auto mismatch = port.pattern.match(t.shape(), bindings_, who);
    if (!mismatch) return;
    if (mismatch->symbol < 0)
        throw PortError(head() + " is " + port.pattern.text() + ": " + mismatch->why, key, output, "", false);
    const int by = mismatch->bound_by;
    const bool by_output = by >= static_cast<int>(inputs.size());
    const std::string& by_key = by_output ? (*outputs)[static_cast<std::size_t>(by) - inputs.size()].first : inputs[static_cast<std::size_t>(by)].first;
    throw PortError(head() + " is " + port.pattern.text() + " with " + symbols_.name(mismatch->symbol) + " = " +
                        std::to_string(mismatch->bound) + " bound by " + tensor_text(by, inputs, outputs),
                    key, output, by == who ? "" : by_key, by_output);
}

void PortCheck::check_inputs(const NamedTensors& inputs) const {
    bindings_.reset(symbols_.size());
    for (const Port& p : inputs_) {
        if (p.info->optional || p.info->form == PortInfo::Form::family) continue;
        bool given = false;
        for (const auto& in : inputs) given = given || in.first == p.name;
        if (!given) throw PortError("required input '" + p.name + "' is missing (" + p.info->doc + ")", p.name, false, "", false);
    }
    for (std::size_t i = 0; i < inputs.size(); ++i)
        if (const Port* p = input(inputs[i].first)) check_one(*p, inputs[i].first, inputs[i].second, static_cast<int>(i), inputs, nullptr);
}

std::string PortCheck::check_outputs(const NamedTensors& inputs, const NamedTensors& outputs) const {
    for (std::size_t j = 0; j < outputs.size(); ++j) {
        const Port* p = output(outputs[j].first);
        if (!p) {
            std::string declared;
            for (const Port& o : outputs_) declared += (declared.empty() ? "" : ", ") + o.label();
            return "wrote output '" + outputs[j].first + "', which it does not declare (its outputs: " + declared + ")";
        }
        check_one(*p, outputs[j].first, outputs[j].second, static_cast<int>(inputs.size() + j), inputs, &outputs);
    }
    for (const Port& p : outputs_) {
        if (p.info->optional || p.info->form == PortInfo::Form::family) continue;
        bool written = false;
        for (const auto& o : outputs) written = written || o.first == p.name;
        if (!written) return "did not write output '" + p.name + "', which it declares as always written";
    }
    return "";
}

}  // namespace chimera
