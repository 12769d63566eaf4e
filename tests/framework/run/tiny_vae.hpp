// The run the crash and run-safety tests kill, damage and resume: the MLP VAE made tiny and quick
// (256 examples of 64, so 4 steps an epoch; 2 epochs; a checkpoint every 3 steps besides the
// epoch ends; a metric line every step; narrow layers; one thread).
#pragma once

#include <string>
#include <vector>

namespace chimera::test {

inline const std::string tiny_vae_config = std::string(CHIMERA_CONFIGS) + "/vae_mlp_fashion.yaml";

inline const std::vector<std::string> tiny_vae_settings = {
    "--set", "data.options.limit=256", "--set", "data.batch_size=64", "--set", "train.epochs=2",
    "--set", "train.checkpoint_every=3", "--set", "train.log_every=1", "--set", "train.samples=8",
    "--set", "nodes.encoder.options.hidden=[32]", "--set", "nodes.decoder.options.hidden=[32]", "--threads", "1"};

}  // namespace chimera::test
