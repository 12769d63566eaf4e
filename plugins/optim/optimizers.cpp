// The built-in optimizers, each following PyTorch's update rule (torch.optim, 1.13) so that a
// model trains the same here as there: sgd (momentum, dampening, Nesterov, L2 weight decay),
// adam (L2 weight decay), adamw (decoupled weight decay) and rmsprop (optional momentum).
// The host passes lr_scale from its schedule and clips gradients before step.
#include <chimera/chimera.hpp>

#include <cmath>

namespace {

using chimera::Param;
using chimera::Tensor;
using Group = std::vector<std::pair<std::string, Tensor>>;

// Updates of tensors larger than this run on all the run's threads (OpenMP, as oneDNN).
constexpr int64_t kParallelAbove = 32768;

// Shared plumbing: the group, per-parameter state tensors by suffix, saving and loading them.
class StatefulOptimizer : public chimera::Optimizer {
public:
    StatefulOptimizer(chimera::Host host, std::vector<std::string> suffixes)
        : chimera::Optimizer(host), suffixes_(std::move(suffixes)) {}

    void attach(const Group& params) override {
        params_ = params;
        state_.clear();
        for (const auto& [name, p] : params_) {
            std::vector<Tensor> per_param;
            for (std::size_t s = 0; s < suffixes_.size(); ++s) per_param.push_back(Tensor::zeros(host(), p.shape()));
            state_.push_back(per_param);
        }
    }

    Group save_state() override {
        Group out;
        for (std::size_t i = 0; i < params_.size(); ++i)
            for (std::size_t s = 0; s < suffixes_.size(); ++s)
                out.emplace_back(params_[i].first + "." + suffixes_[s], state_[i][s]);
        return out;
    }

    void load_state(const chimera::Inputs& saved) override {
        for (std::size_t i = 0; i < params_.size(); ++i)
            for (std::size_t s = 0; s < suffixes_.size(); ++s) {
                std::string name = params_[i].first + "." + suffixes_[s];
                // The ABI's word for a state tensor missing or misshapen: the host, which knows
                // where the state came from, says whose fault that is.
                if (!saved.has(name)) throw chimera::Error("optimizer state '" + name + "' is missing", CHM_ERR_INVALID_ARGUMENT);
                Tensor t = saved[name];
                if (t.shape() != state_[i][s].shape())
                    throw chimera::Error("optimizer state '" + name + "' has the wrong shape", CHM_ERR_INVALID_ARGUMENT);
                std::copy(t.data(), t.data() + t.numel(), state_[i][s].data());
            }
    }

    void step(double lr_scale, int64_t step) override {
        for (std::size_t i = 0; i < params_.size(); ++i) {
            Tensor g = grad(params_[i].second);
            if (!g.defined()) continue;  // took no part in the loss
            update(params_[i].second.data(), g.data(), state_[i], params_[i].second.numel(), lr_scale, step);
        }
    }

protected:
    virtual void update(float* p, const float* g, std::vector<Tensor>& state, int64_t n, double lr_scale,
                        int64_t step) = 0;

private:
    std::vector<std::string> suffixes_;
    Group params_;
    std::vector<std::vector<Tensor>> state_;
};

class Sgd : public StatefulOptimizer {
public:
    static chimera::Description describe() {
        return {"sgd", "1.0.0", "Stochastic gradient descent with momentum (PyTorch's rule)",
                {Param::real("lr", 0.01, "learning rate").min(0), Param::real("momentum", 0.0, "momentum factor").range(0, 1),
                 Param::real("dampening", 0.0, "dampening of the momentum").range(0, 1),
                 Param::boolean("nesterov", false, "Nesterov momentum (needs momentum > 0, dampening 0)"),
                 Param::real("weight_decay", 0.0, "L2 penalty added to the gradient").min(0)}};
    }
    Sgd(chimera::Host host, const chimera::Config& c)
        : StatefulOptimizer(host, {"momentum_buffer"}), lr_(c.get<double>("lr")), momentum_(c.get<double>("momentum")),
          dampening_(c.get<double>("dampening")), nesterov_(c.get<bool>("nesterov")), decay_(c.get<double>("weight_decay")) {
        if (nesterov_ && (momentum_ <= 0 || dampening_ != 0))
            throw chimera::Error(c.where("nesterov") + ": Nesterov momentum needs momentum > 0 and dampening 0",
                                 CHM_ERR_INVALID_ARGUMENT);
    }

protected:
    void update(float* p, const float* grad, std::vector<Tensor>& state, int64_t n, double lr_scale, int64_t step) override {
        float* buf = state[0].data();
        const double lr = lr_ * lr_scale;
        for (int64_t i = 0; i < n; ++i) {
            double g = grad[i] + decay_ * p[i];
            if (momentum_ != 0) {
                buf[i] = static_cast<float>(step == 1 ? g : momentum_ * buf[i] + (1 - dampening_) * g);
                g = nesterov_ ? g + momentum_ * buf[i] : buf[i];
            }
            p[i] = static_cast<float>(p[i] - lr * g);
        }
    }

private:
    double lr_, momentum_, dampening_;
    bool nesterov_;
    double decay_;
};

// Adam and AdamW differ only in how weight decay enters.
template <bool Decoupled>
class AdamFamily : public StatefulOptimizer {
public:
    static chimera::Description describe() {
        return {Decoupled ? "adamw" : "adam", "1.0.0",
                Decoupled ? "Adam with decoupled weight decay (PyTorch's AdamW rule)" : "Adam (PyTorch's rule)",
                {Param::real("lr", 1e-3, "learning rate").min(0),
                 Param::float_list("betas", {0.9, 0.999}, "decay rates of the first and second moments").range(0, 0.999999),
                 Param::real("eps", 1e-8, "added to the denominator").min(0),
                 Param::real("weight_decay", Decoupled ? 1e-2 : 0.0,
                             Decoupled ? "decoupled weight decay" : "L2 penalty added to the gradient").min(0)}};
    }
    AdamFamily(chimera::Host host, const chimera::Config& c)
        : StatefulOptimizer(host, {"exp_avg", "exp_avg_sq"}), lr_(c.get<double>("lr")), eps_(c.get<double>("eps")),
          decay_(c.get<double>("weight_decay")) {
        auto betas = c.get<std::vector<double>>("betas");
        if (betas.size() != 2)
            throw chimera::Error(c.where("betas") + ": needs two values, got " + std::to_string(betas.size()),
                                 CHM_ERR_INVALID_ARGUMENT);
        beta1_ = betas[0];
        beta2_ = betas[1];
    }

protected:
    // In float, as torch.optim.Adam computes for float parameters (the per-step scalars in
    // double); vectorised and split over the threads for large tensors.
    void update(float* p, const float* grad, std::vector<Tensor>& state, int64_t n, double lr_scale, int64_t step) override {
        float* m = state[0].data();
        float* v = state[1].data();
        const double lr = lr_ * lr_scale;
        const double c1 = 1 - std::pow(beta1_, double(step)), c2 = 1 - std::pow(beta2_, double(step));
        const float step_size = static_cast<float>(lr / c1), c2_root = static_cast<float>(std::sqrt(c2));
        const float b1 = static_cast<float>(beta1_), b2 = static_cast<float>(beta2_);
        const float rest1 = static_cast<float>(1 - beta1_), rest2 = static_cast<float>(1 - beta2_), eps = static_cast<float>(eps_);
        const float keep = static_cast<float>(Decoupled ? 1 - lr * decay_ : 1.0), l2 = static_cast<float>(Decoupled ? 0.0 : decay_);
#pragma omp parallel for simd schedule(static) if (n > kParallelAbove)
        for (int64_t i = 0; i < n; ++i) {
            const float w = Decoupled ? p[i] * keep : p[i];
            const float g = Decoupled ? grad[i] : grad[i] + l2 * w;
            const float mi = b1 * m[i] + rest1 * g;
            const float vi = b2 * v[i] + rest2 * g * g;
            m[i] = mi;
            v[i] = vi;
            p[i] = w - step_size * mi / (std::sqrt(vi) / c2_root + eps);
        }
    }

private:
    double lr_, eps_, decay_, beta1_ = 0.9, beta2_ = 0.999;
};
using Adam = AdamFamily<false>;
using AdamW = AdamFamily<true>;

class RmsProp : public StatefulOptimizer {
public:
    static chimera::Description describe() {
        return {"rmsprop", "1.0.0", "RMSprop (PyTorch's rule, not centred)",
                {Param::real("lr", 0.01, "learning rate").min(0), Param::real("alpha", 0.99, "smoothing of the squared gradient").range(0, 1),
                 Param::real("eps", 1e-8, "added to the denominator").min(0),
                 Param::real("momentum", 0.0, "momentum factor").range(0, 1),
                 Param::real("weight_decay", 0.0, "L2 penalty added to the gradient").min(0)}};
    }
    RmsProp(chimera::Host host, const chimera::Config& c)
        : StatefulOptimizer(host, {"square_avg", "momentum_buffer"}), lr_(c.get<double>("lr")), alpha_(c.get<double>("alpha")),
          eps_(c.get<double>("eps")), momentum_(c.get<double>("momentum")), decay_(c.get<double>("weight_decay")) {}

protected:
    void update(float* p, const float* grad, std::vector<Tensor>& state, int64_t n, double lr_scale, int64_t) override {
        float* sq = state[0].data();
        float* buf = state[1].data();
        const double lr = lr_ * lr_scale;
        for (int64_t i = 0; i < n; ++i) {
            double g = grad[i] + decay_ * p[i];
            sq[i] = static_cast<float>(alpha_ * sq[i] + (1 - alpha_) * g * g);
            double scaled = g / (std::sqrt(double(sq[i])) + eps_);
            if (momentum_ > 0) {
                buf[i] = static_cast<float>(momentum_ * buf[i] + scaled);
                scaled = buf[i];
            }
            p[i] = static_cast<float>(p[i] - lr * scaled);
        }
    }

private:
    double lr_, alpha_, eps_, momentum_, decay_;
};

}  // namespace

CHIMERA_PLUGIN("optim", "1.0.0", "SGD, Adam, AdamW and RMSprop following PyTorch's update rules", Sgd, Adam, AdamW,
               RmsProp)
