"""Demo pictures drawn with Pillow: no stock image, nothing copied, every pixel ours."""

import io
import math
import random

from PIL import Image, ImageDraw

WIDTH, HEIGHT = 1200, 800


def _gradient(size, top, bottom):
    image = Image.new("RGB", size, top)
    draw = ImageDraw.Draw(image)
    for y in range(size[1]):
        t = y / max(1, size[1] - 1)
        draw.line(
            [(0, y), (size[0], y)],
            fill=tuple(int(a + (b - a) * t) for a, b in zip(top, bottom, strict=True)),
        )
    return image


def chip(rng):
    image = _gradient((WIDTH, HEIGHT), (10, 48, 38), (4, 24, 20))
    draw = ImageDraw.Draw(image)
    gold = (214, 170, 72)
    for _ in range(70):
        x, y = rng.randrange(WIDTH), rng.randrange(HEIGHT)
        points = [(x, y)]
        for _ in range(rng.randint(2, 5)):
            if rng.random() < 0.5:
                x += rng.choice([-1, 1]) * rng.randint(40, 200)
            else:
                y += rng.choice([-1, 1]) * rng.randint(40, 160)
            points.append((x, y))
        draw.line(points, fill=gold, width=rng.choice([2, 3, 4]))
        draw.ellipse([x - 6, y - 6, x + 6, y + 6], outline=gold, width=3)
    cx, cy, half = WIDTH // 2, HEIGHT // 2, 190
    draw.rectangle(
        [cx - half, cy - half, cx + half, cy + half],
        fill=(30, 30, 36),
        outline=(120, 120, 130),
        width=6,
    )
    for i in range(-half + 20, half - 10, 24):
        for j in range(-half + 20, half - 10, 24):
            shade = rng.randint(50, 110)
            draw.rectangle(
                [cx + i, cy + j, cx + i + 16, cy + j + 16], fill=(shade, shade + 10, shade + 30)
            )
    for i in range(-half + 10, half, 22):
        pin = (200, 200, 205)
        draw.rectangle([cx + i, cy - half - 28, cx + i + 10, cy - half], fill=pin)
        draw.rectangle([cx + i, cy + half, cx + i + 10, cy + half + 28], fill=pin)
        draw.rectangle([cx - half - 28, cy + i, cx - half, cy + i + 10], fill=pin)
        draw.rectangle([cx + half, cy + i, cx + half + 28, cy + i + 10], fill=pin)
    return image


def skyline(rng):
    top = (rng.randint(20, 60), rng.randint(40, 90), rng.randint(110, 170))
    image = _gradient((WIDTH, HEIGHT), top, (240, 170, 120))
    draw = ImageDraw.Draw(image)
    x = 0
    while x < WIDTH:
        w, h = rng.randint(60, 150), rng.randint(180, 560)
        shade = rng.randint(20, 55)
        draw.rectangle([x, HEIGHT - h, x + w, HEIGHT], fill=(shade, shade, shade + 15))
        for wy in range(HEIGHT - h + 16, HEIGHT - 20, 28):
            for wx in range(x + 10, x + w - 14, 22):
                if rng.random() < 0.45:
                    draw.rectangle([wx, wy, wx + 10, wy + 14], fill=(255, 220, 130))
        x += w + rng.randint(0, 12)
    return image


def chart(rng):
    image = Image.new("RGB", (WIDTH, HEIGHT), (250, 248, 243))
    draw = ImageDraw.Draw(image)
    left, bottom = 120, HEIGHT - 110
    draw.line([(left, 80), (left, bottom), (WIDTH - 80, bottom)], fill=(40, 40, 40), width=4)
    for k in range(1, 6):
        y = bottom - k * 110
        draw.line([(left, y), (WIDTH - 80, y)], fill=(215, 210, 200), width=2)
    bars = rng.randint(6, 10)
    step = (WIDTH - 80 - left) // bars
    value = rng.randint(120, 260)
    for i in range(bars):
        value = max(60, min(560, value + rng.randint(-60, 90)))
        colour = (163, 34, 27) if i == bars - 1 else (70, 90, 120)
        draw.rectangle(
            [left + i * step + 18, bottom - value, left + (i + 1) * step - 18, bottom - 2],
            fill=colour,
        )
    return image


def map_(rng):
    image = Image.new("RGB", (WIDTH, HEIGHT), (176, 208, 230))
    draw = ImageDraw.Draw(image)
    for _ in range(rng.randint(2, 4)):
        cx, cy, r = (
            rng.randint(150, WIDTH - 150),
            rng.randint(150, HEIGHT - 150),
            rng.randint(160, 320),
        )
        points = []
        for k in range(28):
            angle = 2 * math.pi * k / 28
            radius = r * rng.uniform(0.6, 1.1)
            points.append((cx + radius * math.cos(angle), cy + radius * 0.75 * math.sin(angle)))
        draw.polygon(points, fill=(236, 230, 210), outline=(150, 140, 120))
    for _ in range(8):
        x, y = rng.randint(100, WIDTH - 100), rng.randint(100, HEIGHT - 100)
        draw.ellipse(
            [x - 9, y - 9, x + 9, y + 9], fill=(163, 34, 27), outline=(255, 255, 255), width=3
        )
    return image


def illustration(rng):
    palette = [(242, 95, 92), (255, 224, 102), (36, 123, 160), (112, 193, 179), (80, 81, 79)]
    image = Image.new("RGB", (WIDTH, HEIGHT), rng.choice(palette))
    draw = ImageDraw.Draw(image)
    for _ in range(14):
        colour = rng.choice(palette)
        x, y, r = rng.randint(0, WIDTH), rng.randint(0, HEIGHT), rng.randint(40, 260)
        if rng.random() < 0.5:
            draw.ellipse([x - r, y - r, x + r, y + r], fill=colour)
        else:
            draw.polygon([(x, y - r), (x + r, y + r), (x - r, y + r)], fill=colour)
    return image


def screenshot(rng):
    image = Image.new("RGB", (WIDTH, HEIGHT), (226, 229, 234))
    draw = ImageDraw.Draw(image)
    draw.rounded_rectangle(
        [60, 50, WIDTH - 60, HEIGHT - 50],
        radius=18,
        fill=(255, 255, 255),
        outline=(190, 194, 200),
        width=3,
    )
    draw.rectangle([63, 53, WIDTH - 63, 110], fill=(240, 241, 244))
    for k, colour in enumerate([(237, 106, 94), (245, 191, 79), (98, 197, 84)]):
        draw.ellipse([90 + k * 34, 70, 110 + k * 34, 90], fill=colour)
    draw.rectangle([63, 110, 300, HEIGHT - 53], fill=(246, 247, 249))
    for y in range(150, HEIGHT - 100, 46):
        draw.rounded_rectangle(
            [90, y, 90 + rng.randint(100, 180), y + 18], radius=9, fill=(205, 210, 218)
        )
    for y in range(150, HEIGHT - 120, 70):
        width = rng.randint(300, 760)
        draw.rounded_rectangle([340, y, 340 + width, y + 26], radius=8, fill=(216, 222, 232))
    return image


def portrait(rng):
    size = 600
    background = (rng.randint(150, 220), rng.randint(150, 220), rng.randint(150, 220))
    image = _gradient((size, size), background, tuple(max(0, c - 60) for c in background))
    draw = ImageDraw.Draw(image)
    skin = rng.choice(
        [(241, 194, 160), (224, 172, 130), (198, 134, 96), (141, 85, 54), (92, 58, 36)]
    )
    hair = rng.choice([(30, 24, 20), (90, 60, 30), (160, 120, 70), (200, 200, 200), (60, 40, 30)])
    shirt = rng.choice([(40, 60, 90), (120, 40, 40), (50, 90, 70), (70, 70, 70)])
    draw.ellipse([110, 420, 490, 800], fill=shirt)
    draw.rectangle([255, 330, 345, 450], fill=skin)
    draw.ellipse([180, 120, 420, 400], fill=skin)
    draw.pieslice([170, 95, 430, 330], 180, 360, fill=hair)
    for eye in (250, 350):
        draw.ellipse([eye - 12, 245, eye + 12, 265], fill=(40, 30, 30))
    draw.arc([250, 280, 350, 340], 20, 160, fill=(120, 50, 50), width=5)
    return image


SCENES = {
    "chip": chip,
    "skyline": skyline,
    "chart": chart,
    "map": map_,
    "illustration": illustration,
    "screenshot": screenshot,
    "portrait": portrait,
}


def draw_jpeg(scene: str, seed: int) -> bytes:
    image = SCENES[scene](random.Random(seed))
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=82, optimize=True, progressive=True)
    return buffer.getvalue()
