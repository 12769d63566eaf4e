// `chimera reconstruct RUN_DIR`: test examples and an autoencoder's reconstructions of them as a
// PNG grid, each row of originals followed by the row of their reconstructions.
#include "cli/command.hpp"
#include "cli/pipeline_session.hpp"
#include "generate/image_sampler.hpp"

#include <iostream>

namespace po = boost::program_options;

namespace chimera {

namespace {

int run(const po::variables_map& vm) {
    const GridRequest r = grid_request(vm, "reconstruct", RunOutput::reconstructions);
    auto session = PipelineSession::open_run(vm, r.run);
    ImageSampler sampler(session->pipeline(), session->context(), session->ops());
    sampler.write(r.out, sampler.reconstruct(r.n, r.columns), r.columns);
    std::cout << "Wrote " << r.n << " examples and their reconstructions to " << r.out.string() << "\n";
    return 0;
}

}  // namespace

Command reconstruct_command() {
    Command c;
    c.name = "reconstruct";
    c.summary = "Show test examples above an autoencoder's reconstructions";
    c.usage = "chimera reconstruct RUN_DIR [--n 32] [--out FILE.png]";
    c.options = [] { return grid_options(po::options_description("Options"), 32, RunOutput::reconstructions); };
    c.positional.add("run", 1);
    c.run = run;
    return c;
}

}  // namespace chimera
