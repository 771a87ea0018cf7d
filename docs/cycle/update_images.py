"""Make the README's "whole cycle" pictures from the screenshots of the quarter test.

    .venv/bin/python -m pytest tests/browser/test_quarter.py   # writes test-artifacts/quarter/
    .venv/bin/python docs/cycle/update_images.py               # writes docs/cycle/*.png

Each picture is the top of one full-page screenshot, at most 1000 px wide, in 256 colours.
"""
import sys
from pathlib import Path

from PIL import Image

ROOT = Path(__file__).resolve().parents[2]
SHOTS = ROOT / "test-artifacts" / "quarter"
OUT = Path(__file__).resolve().parent
MAX_WIDTH = 1000
BUDGET = 1_500_000  # bytes for all pictures together

# picture: (step of the screenshot, height of the screenshot to keep, in its own pixels);
# the screenshots are numbered "NN-<step>.png", and the numbers move when a step is added.
PICTURES = {
    "registration-form.png": ("registration-form", 1800),
    "personal-page.png": ("personal-page-group", 1300),
    "checkin-phone.png": ("checkin-phone", 1400),
    "board.png": ("board", 2700),
    "report.png": ("report", 1500),
}


def screenshot(step: str) -> Path | None:
    return next(iter(sorted(SHOTS.glob(f"[0-9][0-9]-{step}.png"))), None)


def make(source: Path, keep_height: int, target: Path) -> int:
    image = Image.open(source).convert("RGB")
    image = image.crop((0, 0, image.width, min(image.height, keep_height)))
    if image.width > MAX_WIDTH:
        image = image.resize((MAX_WIDTH, round(image.height * MAX_WIDTH / image.width)),
                             Image.LANCZOS)
    image.quantize(colors=256, method=Image.Quantize.MEDIANCUT).save(target, optimize=True)
    return target.stat().st_size


def main() -> int:
    missing = [step for step, _h in PICTURES.values() if screenshot(step) is None]
    if missing:
        print(f"run tests/browser/test_quarter.py first; missing: {missing}", file=sys.stderr)
        return 1
    total = 0
    for picture, (step, height) in PICTURES.items():
        size = make(screenshot(step), height, OUT / picture)
        total += size
        print(f"{picture}: {size / 1000:.0f} kB")
    print(f"total: {total / 1000:.0f} kB")
    return 0 if total < BUDGET else 1


if __name__ == "__main__":
    sys.exit(main())
