// Template plugin: one encoder and one loss showing how a component declares its parameters,
// reads them from the host-validated configuration, reports errors that point at the YAML, and
// logs through the host. It computes nothing yet: the tensor and op API joins the SDK in ABI 1.1.
#include <chimera/chimera.hpp>

#include <string>
#include <vector>

namespace {

class TemplateEncoder : public chimera::Encoder {
public:
    // The schema: the host validates every configuration against it before create, fills in
    // defaults, and prints it for `chimera plugins --describe template_encoder`.
    static chimera::Description describe() {
        using chimera::Param;
        return {"template_encoder", "0.1.0", "Template encoder: copy it to start your own",
                {Param::int_list("hidden", {512, 256}, "widths of the hidden layers").min(1),
                 Param::integer("latent", 20, "width of the code").range(1, 4096),
                 Param::string("activation", "relu", "activation after each hidden layer")
                     .choices({"relu", "tanh", "sigmoid", "none"}),
                 Param::real("dropout", 0.0, "dropout probability after each hidden layer")
                     .range(0.0, 0.99),
                 Param::boolean("batch_norm", false, "batch normalisation after each layer")}};
    }

    // Read options here and keep copies: the configuration is valid only during construction.
    TemplateEncoder(chimera::Host host, const chimera::Config& config)
        : chimera::Encoder(host),
          hidden_(config.get<std::vector<int64_t>>("hidden")),
          latent_(config.get<int64_t>("latent")),
          activation_(config.get<std::string>("activation")),
          dropout_(config.get<double>("dropout")),
          batch_norm_(config.get<bool>("batch_norm")) {
        // Rules the schema cannot express are checked here; where() names file:line:col.
        if (hidden_.empty())
            throw chimera::Error(config.where("hidden") + ": needs at least one hidden layer",
                                 CHM_ERR_INVALID_ARGUMENT);
        host.debug("template_encoder: " + std::to_string(hidden_.size()) + " hidden layers, " +
                   activation_ + ", latent " + std::to_string(latent_));
    }

private:
    std::vector<int64_t> hidden_;
    int64_t latent_;
    std::string activation_;
    double dropout_;
    bool batch_norm_;
};

class TemplateLoss : public chimera::Loss {
public:
    static chimera::Description describe() {
        return {"template_loss", "0.1.0", "Template loss: a weighted term of the objective",
                {chimera::Param::real("weight", 1.0, "factor applied to the loss").min(0.0)}};
    }
    TemplateLoss(chimera::Host host, const chimera::Config& config)
        : chimera::Loss(host), weight_(config.get<double>("weight")) {}

private:
    double weight_;
};

}  // namespace

// The library's one exported symbol: its name, version, description and components.
CHIMERA_PLUGIN("template", "0.1.0", "Template plugin to copy when writing your own",
               TemplateEncoder, TemplateLoss)
