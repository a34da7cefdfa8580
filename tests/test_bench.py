"""`python -m convae bench`: the three ways are measured on the same images and printed with their ratios."""

from convae.tools.studies.bench import run_benchmark


def test_a_small_benchmark_prints_every_way_and_the_ratios(capsys):
    rates = run_benchmark(num_images=256)
    out = capsys.readouterr().out
    for way in ("(a) torchvision", "(b) convae.train_autoencoder", "(c) compute only"):
        assert way in out
    assert "(b)/(a) = " in out and "(b)/(c) = " in out
    assert all(rate > 0 for rate in rates.values())
