"""kornia is not installable here; the release imports it for its blur attack, which the fidelity harness never uses."""


def __getattr__(name):
    raise RuntimeError(f'kornia.{name}: kornia is not available in the fidelity harness')
