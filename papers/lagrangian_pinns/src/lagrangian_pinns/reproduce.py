"""Presets and the experiment behind `python -m lagrangian_pinns reproduce`.

One experiment at every scale: train PINN_POLAR and LPINN_POLAR on convection at the speeds of the
preset (same collocation grid, steps and optimiser for both), optionally viscous Burgers, the
official-hyperparameter ablation, the Hessian sharpness ratio, the n-width proxy, and the
side-by-side timing. Errors are relative L2 on the 256 × 100 Eulerian grid.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import jax
import jax.numpy as jnp
import numpy as np

import papershelf
from lagrangian_pinns.baselines import PINN_POLAR, PINNWeights, pinn_loss
from lagrangian_pinns.data import (
    collocation_grid,
    convection_diffusion_fft,
    reference_solution,
    space_grid,
    time_grid,
)
from lagrangian_pinns.diagnostics import (
    modes_for_energy,
    snapshot_singular_values,
    top_hessian_eigenvalue,
)
from lagrangian_pinns.evaluate import (
    lpinn_lagrangian,
    lpinn_prediction,
    pinn_prediction,
    relative_l2,
)
from lagrangian_pinns.lpinn import LPINN_POLAR, LPINNWeights, lpinn_loss
from lagrangian_pinns.pde import Problem, burgers, convection, gaussian_ic
from lagrangian_pinns.train import TrainConfig, train

TARGET = 0.05  # the relative error of the time-to-accuracy comparison


@dataclass(frozen=True)
class Config:
    n: int  # collocation points in ξ (or x)
    m: int  # collocation points in t
    steps: int  # Adam steps per model
    pinn_cs: tuple[float, ...]  # convection speeds for the PINN baseline
    lpinn_cs: tuple[float, ...]  # convection speeds for the LPINN
    burgers: bool = False  # viscous Burgers, ν = 0.01, u₀ = sin x + 10
    ablations: bool = False  # official γ_ic = 1000, lr 1e-3; official ξ-derivatives; shared trunk
    hessian_iters: int = 0  # power iterations for λ_max at c = 5 and 50 (0: skip)
    timing_repeats: int = 0  # interleaved per-step timing repeats (0: skip)
    eval_n: int = 256
    eval_m: int = 100
    lr_init: float = 1e-2
    lr_final: float = 1e-4
    chunk: int = 100
    threads: int = 1


PRESETS = {
    "smoke": Config(n=32, m=16, steps=300, pinn_cs=(), lpinn_cs=(50,)),
    "quick": Config(n=64, m=40, steps=2000, pinn_cs=(5, 50), lpinn_cs=(5, 50)),
    "full": Config(
        n=64,
        m=40,
        steps=2000,
        pinn_cs=(1, 5, 10, 20, 30, 40, 50, 80),
        lpinn_cs=(1, 5, 10, 20, 30, 40, 50, 80),
        burgers=True,
        ablations=True,
        hessian_iters=20,
        timing_repeats=5,
    ),
}


def _key(c: float) -> str:
    return f"c{c:g}".replace("-", "m").replace(".", "p")


@dataclass(frozen=True)
class Setup:
    """One model on one problem: its loss on the preset's collocation grid and its predictor."""

    name: str  # "pinn" | "lpinn"
    problem: Problem
    model: object
    loss: object  # (params, residual_scale) -> scalar
    predict: object  # (params, x, t) -> (n, m)


def make_setup(
    name: str, problem: Problem, config: Config, *, official: bool = False, **lpinn_options
) -> Setup:
    xi, t = (jnp.asarray(a) for a in collocation_grid(config.n, config.m, problem.t_max))
    xi0 = jnp.asarray(space_grid(config.n))
    gamma_ic = 1000.0 if official else 100.0
    if name == "pinn":
        model, weights = PINN_POLAR(), PINNWeights(gamma_ic=gamma_ic)

        def loss(params, scale=1.0):
            return pinn_loss(params, model, problem, xi, t, xi0, weights, scale)

        return Setup(name, problem, model, loss, lambda p, x, tt: pinn_prediction(model, p, x, tt))
    model = LPINN_POLAR.for_problem(problem, **lpinn_options)
    weights = LPINNWeights(gamma_ic=gamma_ic)

    def loss(params, scale=1.0):
        return lpinn_loss(params, model, problem, xi, t, xi0, weights, scale)

    return Setup(name, problem, model, loss, lambda p, x, tt: lpinn_prediction(model, p, x, tt))


def fit(setup: Setup, config: Config, key: jax.Array, ctx, *, official: bool = False) -> dict:
    """Train one setup, returning its metrics (and keeping its parameters for diagnostics)."""
    problem = setup.problem
    x, t = space_grid(config.eval_n), time_grid(config.eval_m, problem.t_max)
    ref = reference_solution(problem, x, t)
    offset = problem.u0_max - 1.0 if problem.kind == "burgers" else 0.0  # C₀ of sin x + C₀

    def evaluate(params):
        with warnings.catch_warnings():  # crossing characteristics are reported once, at the end
            warnings.simplefilter("ignore", RuntimeWarning)
            return {"rel_l2": relative_l2(setup.predict(params, x, t), ref, offset)}

    lr = (1e-3, 1e-4) if official else (config.lr_init, config.lr_final)
    train_config = TrainConfig(config.steps, lr[0], lr[1], config.chunk)
    with ctx.progress(
        total=config.steps // config.chunk, desc=f"{setup.name} {problem.kind}"
    ) as bar:
        result = train(
            setup.loss, setup.model.init(key), train_config, evaluate=evaluate, progress=bar
        )
    errors = [row["rel_l2"] for row in result.history]
    errors[-1] = relative_l2(setup.predict(result.params, x, t), ref, offset)
    hit = [row for row in result.history if row["rel_l2"] <= TARGET]
    metrics = {
        "rel_l2": errors[-1],
        "best_rel_l2": min(errors),
        "loss_initial": float(result.losses[0]),
        "loss_final": float(result.losses[-1]),
        "loss_drop": float(result.losses[0] / result.losses[-1]),
        "train_s": result.train_s,
        "steps_per_s": config.steps / result.train_s,
        "steps_to_target": hit[0]["step"] if hit else -1,
        "reached_target": 1.0 if hit else 0.0,
    }
    if setup.name == "lpinn" and problem.kind == "convection":
        metrics.update(_branch_errors(setup, result.params, x, t))
    return metrics | {"_params": result.params}


def _branch_errors(setup: Setup, params, x: np.ndarray, t: np.ndarray) -> dict:
    """Where the LPINN error comes from: the x-branch vs the exact characteristic ξ + c·t, and
    the u-branch vs the exact Lagrangian solution u(ξ, t) (both on the label grid)."""
    problem = setup.problem
    xs, us, _ = lpinn_lagrangian(setup.model, params, x, t)
    exact_x = x[:, None] + problem.c * t[None, :]
    u_lagr = convection_diffusion_fft(problem, x, t, lagrangian=True)
    return {
        "x_branch_rms": float(np.sqrt(np.mean((xs - exact_x) ** 2))),
        "u_branch_rel_l2": relative_l2(us, u_lagr),
    }


def _nwidth(config: Config) -> dict:
    """Modes for 99.9 % energy, Eulerian vs Lagrangian, Gaussian bump (σ = π/4) at c = 50."""
    x, t = space_grid(config.eval_n), time_grid(config.eval_m)
    problem = convection(50.0, u0=gaussian_ic())
    s_eul = snapshot_singular_values(convection_diffusion_fft(problem, x, t))
    s_lag = snapshot_singular_values(convection_diffusion_fft(problem, x, t, lagrangian=True))
    return {
        "eulerian_modes_999": modes_for_energy(s_eul),
        "lagrangian_modes_999": modes_for_energy(s_lag),
        "_s": (s_eul, s_lag),
    }


def experiment(config: Config, ctx: papershelf.RunContext) -> dict:
    root = papershelf.jax_key(ctx.seed)
    metrics: dict = {"convection": {"pinn": {}, "lpinn": {}}}
    kept: dict = {}

    def run(group: dict, stage: str, label: str, setup: Setup, key, **kwargs):
        result = {}

        def body():
            result.update(fit(setup, config, key, ctx, **kwargs))
            return {k: v for k, v in result.items() if not k.startswith("_")}

        group[label] = ctx.stage(stage, body)
        kept[stage] = (setup, result.get("_params"))

    for name, cs in (("pinn", config.pinn_cs), ("lpinn", config.lpinn_cs)):
        for c in cs:
            setup = make_setup(name, convection(float(c)), config)
            run(
                metrics["convection"][name],
                f"{name}_{_key(c)}",
                _key(c),
                setup,
                jax.random.fold_in(root, 0),
            )
    for name, cs in (("pinn", config.pinn_cs), ("lpinn", config.lpinn_cs)):
        group = metrics["convection"][name]
        if cs:
            group["max_rel_l2"] = max(group[_key(c)]["rel_l2"] for c in cs)
            failing = [c for c in sorted(cs) if group[_key(c)]["rel_l2"] > 0.1]
            # 1e9 when no speed of the sweep fails (so a "<= 40" bar reads "falls short").
            group["first_c_above_0p1"] = float(failing[0]) if failing else 1e9
    if config.burgers:
        metrics["burgers"] = {}
        for name in ("pinn", "lpinn"):
            run(
                metrics["burgers"],
                f"burgers_{name}",
                name,
                make_setup(name, burgers(), config),
                jax.random.fold_in(root, 1),
            )
    if config.ablations:
        metrics["ablation"] = _ablations(config, ctx, root)
    if config.hessian_iters:
        metrics["hessian"] = ctx.stage("hessian", lambda: _hessian(config, kept, root))
    if config.timing_repeats:
        metrics["speed"] = ctx.stage("speed", lambda: _speed(config, metrics, root))
    nwidth = _nwidth(config)
    metrics["nwidth"] = {k: v for k, v in nwidth.items() if not k.startswith("_")}
    _figures(config, metrics, nwidth["_s"], ctx)
    return metrics


def _ablations(config: Config, ctx, root) -> dict:
    out: dict = {
        "official_hparams": {"pinn": {}, "lpinn": {}},
        "official_label_derivs": {},
        "share_layers": {},
    }
    key = jax.random.fold_in(root, 0)
    for name, c in (("pinn", 5.0), ("lpinn", 50.0)):
        setup = make_setup(name, convection(c), config, official=True)
        out["official_hparams"][name][_key(c)] = ctx.stage(
            f"official_{name}", lambda s=setup: _public(fit(s, config, key, ctx, official=True))
        )
    setup = make_setup("lpinn", burgers(), config, approx_label_derivs=True)
    out["official_label_derivs"]["burgers_lpinn"] = ctx.stage(
        "label_derivs", lambda: _public(fit(setup, config, jax.random.fold_in(root, 1), ctx))
    )
    setup = make_setup("lpinn", convection(50.0), config, share_layers=True)
    out["share_layers"]["lpinn_c50"] = ctx.stage(
        "share_layers", lambda: _public(fit(setup, config, key, ctx))
    )
    return out


def _public(metrics: dict) -> dict:
    return {k: v for k, v in metrics.items() if not k.startswith("_")}


def _hessian(config: Config, kept: dict, root) -> dict:
    """λ_max at the trained parameters, residuals divided by the speed scale max(|c|, 1)."""
    out: dict = {}
    for name in ("pinn", "lpinn"):
        values = {}
        for c in (5, 50):
            setup, params = kept[f"{name}_{_key(c)}"]
            if params is None:  # resumed: the stage's parameters were not kept
                params = train(
                    setup.loss,
                    setup.model.init(jax.random.fold_in(root, 0)),
                    TrainConfig(config.steps, config.lr_init, config.lr_final, config.chunk),
                ).params
            scale = max(setup.problem.speed, 1.0)
            values[_key(c)] = top_hessian_eigenvalue(
                lambda p, s=setup, k=scale: s.loss(p, k),
                params,
                jax.random.fold_in(root, 2),
                config.hessian_iters,
            )
        out[name] = values | {"ratio_c50_c5": values["c50"] / values["c5"]}
    return out


def _speed(config: Config, metrics: dict, root) -> dict:
    """Per-step time (jitted value_and_grad + Adam) side by side, and time to error <= 0.05."""
    import optax

    def stepper(name: str, c: float):
        setup = make_setup(name, convection(c), config)
        params = setup.model.init(jax.random.fold_in(root, 0))
        opt = optax.adam(1e-3)
        state = opt.init(params)

        @jax.jit
        def step(p, s):
            _, g = jax.value_and_grad(setup.loss)(p)
            u, s = opt.update(g, s, p)
            return optax.apply_updates(p, u), s

        jax.block_until_ready(step(params, state))
        return lambda: jax.block_until_ready(step(params, state))

    timing = papershelf.compare(
        {
            "pinn_c5": stepper("pinn", 5.0),
            "pinn_c50": stepper("pinn", 50.0),
            "lpinn_c50": stepper("lpinn", 50.0),
        },
        repeats=config.timing_repeats * 20,
        warmup=5,
        baseline="pinn_c50",
    )
    conv = metrics["convection"]
    step_s = {k: v["median_s"] for k, v in timing.items()}
    lp_steps, pn_steps = (
        conv["lpinn"]["c50"]["steps_to_target"],
        conv["pinn"]["c5"]["steps_to_target"],
    )
    out = {
        "step_s": step_s,
        "steps_per_s": {k: 1.0 / v for k, v in step_s.items()},
        "step_ratio_lpinn_over_pinn": step_s["lpinn_c50"] / step_s["pinn_c50"],
        "step_iqr_s": {k: v["iqr_s"] for k, v in timing.items()},
    }
    if lp_steps > 0 and pn_steps > 0:
        out["time_to_target_s"] = {
            "lpinn_c50": lp_steps * step_s["lpinn_c50"],
            "pinn_c5": pn_steps * step_s["pinn_c5"],
        }
        out["time_to_target_ratio"] = (
            out["time_to_target_s"]["lpinn_c50"] / out["time_to_target_s"]["pinn_c5"]
        )
    else:  # one of them never reached the target: the ratio is unbounded
        out["time_to_target_ratio"] = 1e9
    return out


def _figures(config: Config, metrics: dict, singular_values, ctx) -> None:
    from papershelf.plotting import figure, save_png

    conv = metrics["convection"]
    fig, axes = figure(2, width=3.8, height=3.0)
    axes = axes[0]
    for name, cs in (("pinn", config.pinn_cs), ("lpinn", config.lpinn_cs)):
        if cs:
            axes[0].semilogy(
                cs, [conv[name][_key(c)]["rel_l2"] for c in cs], "o-", label=name.upper()
            )
    axes[0].axhline(TARGET, color="gray", ls=":", lw=1)
    axes[0].set(xlabel="convection speed c", ylabel="relative L2 error", title="error vs c")
    axes[0].legend()
    s_eul, s_lag = singular_values
    axes[1].semilogy(s_eul / s_eul[0], label="Eulerian u(x, t)")
    axes[1].semilogy(np.maximum(s_lag / s_lag[0], 1e-17), label="Lagrangian u(ξ, t)")
    axes[1].set(
        xlabel="mode", ylabel="σ_k / σ_1", title="n-width proxy, bump at c=50", xlim=(0, 60)
    )
    axes[1].legend()
    save_png(fig, ctx.path("error_vs_c.png"))
