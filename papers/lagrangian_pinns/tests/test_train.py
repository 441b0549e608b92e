import jax
import jax.numpy as jnp
import numpy as np
import pytest

from lagrangian_pinns import (
    LPINN_POLAR,
    TrainConfig,
    TrainingDiverged,
    collocation_grid,
    convection,
    lpinn_loss,
    space_grid,
    train,
)


def _lpinn_run(seed):
    problem = convection(20.0)
    model = LPINN_POLAR.for_problem(problem, width=16)
    xi, t = (jnp.asarray(a) for a in collocation_grid(8, 6))
    xi0 = jnp.asarray(space_grid(8))
    return train(
        lambda p: lpinn_loss(p, model, problem, xi, t, xi0),
        model.init(jax.random.key(seed)),
        TrainConfig(steps=40, chunk=20),
    )


def test_training_is_finite_and_deterministic_given_the_key():
    a, b = _lpinn_run(0), _lpinn_run(0)
    assert np.all(np.isfinite(a.losses)) and a.losses[-1] < a.losses[0]
    np.testing.assert_array_equal(a.losses, b.losses)
    jax.tree_util.tree_map(np.testing.assert_array_equal, a.params, b.params)


def test_nan_loss_stops_training_and_keeps_the_last_finite_parameters():
    def loss(p):
        return jnp.sqrt(1.0 - p["w"])  # descent pushes w past 1, where the loss is NaN

    with pytest.raises(TrainingDiverged, match="not finite") as info:
        train(
            loss,
            {"w": jnp.asarray(0.0)},
            TrainConfig(steps=100, lr_init=0.1, lr_final=0.1, chunk=10),
        )
    err = info.value
    assert np.isfinite(float(loss(err.params)))
    assert len(err.losses) == err.step > 0 and np.all(np.isfinite(err.losses))


def test_bad_train_config_is_rejected():
    with pytest.raises(ValueError, match="multiple of chunk"):
        TrainConfig(steps=150, chunk=100)
    with pytest.raises(ValueError, match="lr_final"):
        TrainConfig(steps=100, lr_init=1e-3, lr_final=1e-2)
