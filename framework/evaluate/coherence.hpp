// How well a multimodal model ties its modalities together, as the multimodal VAE literature
// measures it, with one judge (a classifier from another run) per modality:
//   cross coherence   from each modality alone (and from all of them) decode every modality;
//                     the share the target's judge assigns the source example's class;
//   joint coherence   decode every modality from one prior draw; the share where all judges
//                     agree (and each pair);
//   linear probe      logistic regression on the posterior mean, trained on training examples,
//                     scored on the split (from each modality alone and from all).
// Each judge's accuracy on the split's real data is reported beside, as the ceiling.
// Not the judges (judge.hpp) nor what the model is (the pipeline's generate section).
#pragma once

#include "evaluate/judge.hpp"
#include "generate/modal_sampler.hpp"

#include <map>
#include <memory>
#include <ostream>
#include <string>
#include <vector>

namespace chimera {

struct CoherenceOptions {
    int64_t batch = 128;
    int64_t limit = 0;           // examples of the split (0: all)
    int64_t joint_samples = 0;   // prior draws for joint coherence (0: as many as the examples)
    int64_t probe_train = 10000; // training examples the probe is fitted to (0: no probe)
    std::string label = "label"; // the data field holding the class
    int64_t classes = 10;        // its values are 0 .. classes - 1 (generate.classes)
    bool mean = false;           // decode the posterior mean, not a sample of it
    std::ostream* progress = nullptr;
    bool terminal = false;
};

// How many of `seen` cases came out right; nothing is measured where no case was seen (a
// modality every example of the split lacks).
struct Share {
    int64_t right = 0, seen = 0;
    bool measured() const { return seen > 0; }
    double value() const { return seen ? static_cast<double>(right) / static_cast<double>(seen) : 0.0; }
};

struct CoherenceReport {
    std::vector<std::string> targets;  // judged modalities
    std::vector<std::string> sources;  // every modality, then "all"
    int64_t examples = 0;
    std::map<std::string, Share> judge_accuracy;                  // on the split's own data
    std::map<std::pair<std::string, std::string>, Share> cross;   // (source, target)
    Share joint;                                                  // prior samples all judges agree on
    std::map<std::pair<std::string, std::string>, Share> joint_pairs;
    int64_t probe_train = 0;
    std::map<std::string, double> probe;                          // source -> test accuracy
};

// `judges` by modality (at least one). `split` is judged; `train` feeds the probe.
CoherenceReport evaluate_coherence(const Pipeline& pipeline, const ModalSampler& sampler, const std::vector<const Judge*>& judges,
                                   const DataSplit& split, const DataSplit& train, const CoherenceOptions& options);

}  // namespace chimera
