// A pipeline file, through the checks `chimera validate` makes before it loads plugins or data:
// YAML syntax and its bounds, ${VAR} expansion, the structure of every section, and the dataflow
// (every tensor defined once, read after it is written, no cycles). Refusals are HostErrors.
#include "fuzz_support.hpp"

#include "core/host_error.hpp"
#include "pipeline/dataflow.hpp"
#include "pipeline/pipeline_spec.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    const std::string path = chimera_fuzz::input_file("pipeline.yaml", data, size);
    CHIMERA_FUZZ_EXPECT(chimera::HostError, {
        YAML::Node root = chimera::read_pipeline_yaml(path, {});
        chimera::PipelineSpec spec = chimera::parse_pipeline(root, path);
        chimera::Dataflow flow(spec, {"image", "label", "caption", "speech"});
        (void)flow.order();
    });
    return 0;
}
