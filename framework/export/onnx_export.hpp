// Pipeline nodes as an ONNX model: the host ops their plugins called in one forward, each written
// as standard ONNX operators, the parameters and buffers they read as initializers under their
// own names, the pipeline's tensors as the graph's inputs and outputs, the batch dimension
// dynamic ("N"). A plugin needs no code of its own to be exported: whatever it computes through
// the host's ops is seen; calls the outputs do not need are left out. What it computes
// otherwise (a tensor it filled itself), and ops with no ONNX form here, are refused naming the
// op and the node. Written with Debian's ONNX library
// and checked by its checker before it is returned.
#pragma once

#include "autograd/parameter_store.hpp"
#include "export/graph_trace.hpp"

#include <cstdint>
#include <map>
#include <string>
#include <utility>
#include <vector>

namespace chimera {

// One forward of the chosen nodes, traced: the tensors they read and made, by pipeline name,
// and each node's op calls in order.
struct ExportTrace {
    int64_t batch = 0;  // examples in the forward
    std::vector<std::pair<std::string, Tensor>> inputs, outputs;
    std::vector<std::pair<std::string, std::vector<TracedCall>>> nodes;  // node name -> its calls
};

struct OnnxOptions {
    std::string graph_name = "chimera";
    int opset = 13;  // 13 to 17
    // What each output goes through last, by its name: sigmoid or tanh (absent or none: nothing).
    std::map<std::string, std::string> activation;
};

// The serialized model of `a`, with `b` a trace of the same nodes at another batch size: the two
// must call the same ops with the same attributes on tensors from the same places (else the
// computation depends on the data); the dimensions that are the two batch sizes are the batch (a
// reshape's becomes 0, "as the input", or -1; an input's or output's dimension "N"). Throws
// UsageError naming the node and op for what cannot be exported.
std::string onnx_model(const ExportTrace& a, const ExportTrace& b, const ParameterStore& parameters, const OnnxOptions& options);

// The ops onnx_model writes, for the help text and refusals ("add, add_scalar, ...").
std::string exportable_ops();

}  // namespace chimera
