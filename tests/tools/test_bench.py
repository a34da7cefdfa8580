"""`python -m studies bench`: the three ways are measured on the same images and printed with their ratios."""

import json

from convae._internal.records import spelled_now
from convae.results import load_result
from studies.bench import BATCH_SIZE, TRAIN_FLOP_PER_IMAGE, run_benchmark
from studies.cli import main


def test_a_small_benchmark_prints_every_way_and_the_ratios(capsys):
    rates = run_benchmark(num_images=256)
    out = capsys.readouterr().out
    for way in ("(a) torchvision", "(b) convae.train_autoencoder", "(c) compute only"):
        assert way in out
    assert "(b)/(a) = " in out and "(b)/(c) = " in out
    assert all(rate > 0 for rate in rates.values())


def test_bench_writes_a_record_the_provenance_page_reads(tmp_path, capsys):
    assert main(["bench", "--images", "256", "--out", str(tmp_path)]) == 0
    record = json.loads((tmp_path / "bench.json").read_text())
    assert record["command"] == f"python -m studies bench --images 256 --out {tmp_path}"
    assert [way[:3] for way in record["images_per_second"]] == ["(a)", "(b)", "(c)"]
    assert all(rate > 0 for rate in record["images_per_second"].values()) and record["matmul_gflops"] > 0
    assert record["images"] == 256 and record["batch_size"] == 128


def test_the_stored_benchmark_is_a_full_epochs_record():
    record = load_result("bench")
    assert spelled_now(record["command"]).startswith("python -m studies bench --images ") and record["images"] >= 30_000
    assert record["train_flop_per_image"] == TRAIN_FLOP_PER_IMAGE and record["batch_size"] == BATCH_SIZE
