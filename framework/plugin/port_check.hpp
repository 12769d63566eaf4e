// One instance's ports (ABI 1.4) made concrete: `{option}` names resolved from its configuration,
// shape patterns parsed once, symbols numbered. Answers which declared port a pipeline key names
// (the static wiring check) and checks every forward's inputs and outputs against the dtypes and
// patterns (the dynamic check). Not where the pipeline's keys are written (pipeline/port_wiring).
#pragma once

#include "plugin/component_info.hpp"
#include "plugin/shape_pattern.hpp"
#include "tensor/shape_error.hpp"
#include "tensor/tensor.hpp"

#include <chimera/abi.h>

#include <string>
#include <vector>

namespace chimera {

// A tensor that does not fit its port: a pipeline error (exit 3). `key` is the input or output
// name that failed; `bound_key`, when not empty, the one whose shape bound the symbol it broke.
class PortError : public ShapeError {
public:
    PortError(const std::string& what, std::string key, bool output, std::string bound_key, bool bound_output)
        : ShapeError(what), key_(std::move(key)), bound_key_(std::move(bound_key)), output_(output), bound_output_(bound_output) {}
    const std::string& key() const noexcept { return key_; }
    bool output() const noexcept { return output_; }
    const std::string& bound_key() const noexcept { return bound_key_; }
    bool bound_output() const noexcept { return bound_output_; }

private:
    std::string key_, bound_key_;
    bool output_, bound_output_;
};

class PortCheck {
public:
    struct Port {
        const PortInfo* info = nullptr;
        std::string name;  // resolved: an option port's option value; a family's declared name
        ShapePattern pattern;
        // How messages and listings show it: "x", "label ({condition})", "mu_<m>".
        std::string label() const;
    };

    // `config` is the instance's checked configuration, defaults included. Throws PatternError
    // only for a pattern the descriptor reader let through (it cannot).
    PortCheck(const ComponentInfo& component, const chm_config& config);

    // The declared port `key` names, or nullptr (an option port whose option is "" is absent).
    const Port* input(const std::string& key) const { return find(inputs_, key); }
    const Port* output(const std::string& key) const { return find(outputs_, key); }
    const std::vector<Port>& inputs() const { return inputs_; }
    const std::vector<Port>& outputs() const { return outputs_; }

    // Before a forward: every required input is there, and each input with a port has its dtype
    // and shape, binding the ports' symbols. Inputs without a port (a weight penalty's
    // parameters) are not looked at. Throws PortError.
    void check_inputs(const NamedTensors& inputs) const;
    // After it: the outputs against their ports, with the symbols the inputs bound. Throws
    // PortError for a misfit, and returns a message when the component wrote an output it does
    // not declare or left out one it must write ("" when all is well).
    std::string check_outputs(const NamedTensors& inputs, const NamedTensors& outputs) const;

private:
    static const Port* find(const std::vector<Port>& ports, const std::string& key);
    void check_one(const Port& port, const std::string& key, const Tensor& t, int who, const NamedTensors& inputs,
                   const NamedTensors* outputs) const;

    std::vector<Port> inputs_, outputs_;
    SymbolTable symbols_;
    mutable SymbolBindings bindings_;  // of the current call; forward is never concurrent per instance
};

}  // namespace chimera
