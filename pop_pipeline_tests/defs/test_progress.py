"""The one progress logger module: ~10 lines per stage, one line per epoch."""

from types import SimpleNamespace

from pop_pipeline.defs.progress import epoch_logger, progress_logger, staged_progress_logger


def recording_context() -> tuple[SimpleNamespace, list[str]]:
    lines: list[str] = []
    return SimpleNamespace(log=SimpleNamespace(info=lines.append)), lines


def test_progress_logs_about_every_tenth_and_the_end():
    context, lines = recording_context()
    progress = progress_logger(context, "images")
    for done in range(1, 101):
        progress(done, 100)
    assert len(lines) == 10 and lines[-1].startswith("images: 100/100 (")


def test_staged_progress_keeps_one_logger_per_stage():
    context, lines = recording_context()
    progress = staged_progress_logger(context, "ingest")
    for done in range(1, 21):
        progress("tweets", done, 20)
        progress("photos", done, 20)
    assert sum(line.startswith("ingest tweets: ") for line in lines) == 10
    assert sum(line.startswith("ingest photos: ") for line in lines) == 10


def test_epoch_lines():
    context, lines = recording_context()
    epoch_logger(context, "amnl amnl@0.80", epochs=10)(3, 0.12345)
    epoch_logger(context, "dsn paper004", loss_name="train MSE")(2, 1.5, 1.25)
    assert lines == [
        "amnl amnl@0.80 epoch 3/10: loss 0.1235",
        "dsn paper004 epoch 2: train MSE 1.5000, validation 1.2500",
    ]
