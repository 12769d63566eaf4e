#include "evaluate/evaluator.hpp"

#include "pipeline/batch_stream.hpp"

#include <algorithm>

namespace chimera {

Metrics evaluate_split(const Pipeline& pipeline, Context& ctx, const DataSplit& split, int64_t batch_size) {
    LocalCommunicator alone;
    return evaluate_split(pipeline, ctx, split, batch_size, alone);
}

Metrics evaluate_split(const Pipeline& pipeline, Context& ctx, const DataSplit& split, int64_t batch_size, Communicator& comm) {
    const PipelineSpec& spec = pipeline.spec();
    std::vector<std::size_t> all_losses;
    for (std::size_t k = 0; k < spec.losses.size(); ++k) all_losses.push_back(k);
    const std::vector<std::size_t> nodes = pipeline.nodes_for_losses(all_losses);

    EvalMode eval(ctx);
    BatchStream stream(ctx, *split.loader, split.indices, {batch_size, false, false, comm.rank(), comm.size()});
    stream.start_epoch(0);
    std::vector<double> sums(spec.losses.size(), 0.0);
    std::vector<std::pair<std::string, double>> extra_sums;  // "<loss>/<output>", in first-seen order
    int64_t seen = 0;
    NamedTensors batch;
    while (stream.next(batch)) {
        if (batch.empty()) continue;  // none of this (last, short) batch's rows are this rank's
        RowWindowScope rows(ctx.device(), stream.window());
        TensorMap values(batch.begin(), batch.end());
        const int64_t n = batch.front().second.dim(0);
        pipeline.sample_noise(values, n);
        pipeline.run_nodes(values, nodes);
        // Every reduction is a per-example mean or a plain sum over the batch; weighting
        // by the batch size makes the last, smaller batch count for what it holds.
        for (std::size_t k = 0; k < all_losses.size(); ++k) {
            Pipeline::LossResult r = pipeline.run_loss(values, k);
            sums[k] += static_cast<double>(r.loss.data<float>()[0]) * static_cast<double>(n);
            for (const auto& extra : r.extras) {
                auto it = std::find_if(extra_sums.begin(), extra_sums.end(), [&](const auto& e) { return e.first == extra.first; });
                if (it == extra_sums.end()) it = extra_sums.insert(extra_sums.end(), {extra.first, 0.0});
                it->second += extra.second * static_cast<double>(n);
            }
        }
        seen += n;
    }
    if (comm.size() > 1) {  // every rank's sums, added in rank order
        std::vector<double> mine{static_cast<double>(seen)};
        mine.insert(mine.end(), sums.begin(), sums.end());
        for (const auto& e : extra_sums) mine.push_back(e.second);
        const std::vector<std::vector<double>> all = all_gather_values(comm, mine);
        // Rank 0 always has rows (rows_of), so its extras name them; a rank without rows sent none.
        std::string names;
        for (const auto& e : extra_sums) names += e.first + '\n';
        const std::string rank0_names = comm.all_gather(names)[0];
        extra_sums.clear();
        for (std::size_t at = 0, end; (end = rank0_names.find('\n', at)) != std::string::npos; at = end + 1)
            extra_sums.emplace_back(rank0_names.substr(at, end - at), 0.0);
        seen = 0;
        std::fill(sums.begin(), sums.end(), 0.0);
        for (const auto& theirs : all) {
            seen += static_cast<int64_t>(theirs[0]);
            for (std::size_t k = 0; k < sums.size(); ++k) sums[k] += theirs[1 + k];
            for (std::size_t e = 0; e < extra_sums.size() && 1 + sums.size() + e < theirs.size(); ++e)
                extra_sums[e].second += theirs[1 + sums.size() + e];
        }
        // Ranks without rows of a short batch drew fewer random numbers: all go on from rank 0's.
        uint64_t streams = ctx.device().streams_used();
        comm.broadcast(&streams, sizeof streams);
        ctx.device().set_random_state(ctx.device().seed(), streams);
    }
    Metrics metrics;
    double total = 0;
    for (std::size_t k = 0; k < spec.losses.size(); ++k) {
        double mean = sums[k] / static_cast<double>(seen);
        metrics.emplace_back(spec.losses[k].name, mean);
        if (!spec.losses[k].evaluate_only) total += spec.losses[k].weight * mean;
    }
    metrics.emplace_back("total", total);
    for (const auto& [name, sum] : extra_sums) metrics.emplace_back(name, sum / static_cast<double>(seen));
    return metrics;
}

}  // namespace chimera
