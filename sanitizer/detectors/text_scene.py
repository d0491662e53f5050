"""One text analysis per picture: PHI text lines, wristband labels and documents.

Steps (all in memory; recognised text never leaves this process's RAM):
1. detect text lines on an overview of the picture (text_lines.py);
2. find codes (zxing-cpp decodes and bar textures) and the white label each is printed on:
   a label with a code is a wristband (or specimen label) and is hidden whole, so its small
   print is hidden even when it is too small or blurred to detect or read;
3. cluster the other lines: many small, close lines are a chart, form, whiteboard or screen
   of text and become one document region (again hidden whole, never read); a pale outline
   holding rows of print is a page too, even when the detector saw too few of its lines
   (pages.py);
4. read the remaining lines and classify them with the PHI rules; PHI found on a small white
   label hides that label too (a wristband whose code did not show).
The lines, codes and outlines come from the picture's analysis (analysis.py), shared with
the barcode and screen detectors. Each step runs only when its switch is on: step 2 and the
labels of step 4 for wristbands, step 3 for documents, the reading of step 4 for text; the
lines of step 1 are detected when any of the three is on (groups claim lines, so a label's
or a chart's lines are hidden with it and never read).
"""
from __future__ import annotations

from dataclasses import dataclass, field

import cv2
import numpy as np

from ..ocr.base import OcrLine, TextBox
from ..phi.classifier import classify_lines
from ..phi.rules import Finding
from ..regions import grow_box
from ..settings import Settings
from .analysis import ImageAnalysis
from .boxes import center_in, gap, overlap, union
from .codes import CodeHit, CodeScan, label_around
from .config import DetectorConfig, TextSceneConfig
from .labels import confirmed_labels
from .pages import print_on_paper, printed_pages


@dataclass
class Group:
    kind: str                          # "wristband" or "document"
    members: list[int]                 # indices into TextScene.boxes
    box: tuple[float, float, float, float]
    codes: list[CodeHit] = field(default_factory=list)


@dataclass
class TextScene:
    boxes: list[TextBox]
    groups: list[Group]
    lines: dict[int, OcrLine]          # index into boxes -> read line
    findings: dict[int, Finding]       # index into boxes -> PHI finding
    unread: list[int]                  # lines outside groups left unread (over budget)

    def grouped(self) -> set[int]:
        return {i for g in self.groups for i in g.members}


def analyse_scene(analysis: ImageAnalysis, settings: Settings) -> TextScene:
    """The text scene of the analysed picture, for the given settings."""
    rgb = analysis.rgb
    engine = analysis.ocr
    config = analysis.config
    cfg = config.text_scene
    height, width = rgb.shape[:2]
    boxes = analysis.text_lines
    groups: list[Group] = []
    if settings.wristbands:
        groups += _wristbands(boxes, analysis.code_scan, width, height, cfg)
        groups += _plain_labels(rgb, boxes, groups, engine, config)
    if settings.documents and config.rules_find("document"):
        taken = {i for g in groups for i in g.members}
        groups += _documents(boxes, taken, width, height, cfg)
        groups += _pages(analysis, boxes, groups)
    if not settings.text:  # nothing is read
        return TextScene(boxes, groups, {}, {}, [])
    grouped = {i for g in groups for i in g.members}
    loose = [i for i in range(len(boxes)) if i not in grouped]
    loose.sort(key=lambda i: -boxes[i].height)
    to_read, unread = loose[:cfg.max_read_lines], loose[cfg.max_read_lines:]
    read = engine.recognize(rgb, [boxes[i] for i in to_read])
    lines = dict(zip(to_read, read))
    found = classify_lines(read, settings.allowlist)
    by_line = {id(f.line): f.finding for f in found}
    findings = {i: by_line[id(line)] for i, line in lines.items() if id(line) in by_line}
    if settings.wristbands:
        groups += _labels_around_phi(rgb, boxes, findings, groups, config)
    return TextScene(boxes, groups, lines, findings, unread)


def _labels_around_phi(rgb: np.ndarray, boxes: list[TextBox], findings: dict[int, Finding],
                       groups: list[Group], config: DetectorConfig) -> list[Group]:
    """PHI printed on a small white label (a wristband whose code is hidden or too blurred):
    hide the whole label, so its other lines go too, read or not."""
    cfg = config.text_scene
    found: list[Group] = []
    for i in findings:
        box = boxes[i].box
        if any(center_in(box, g.box) for g in groups + found):
            continue
        label = label_around(rgb, box, config.codes, config.pale_areas)
        if label is None or label[2] * label[3] > cfg.label_max_fraction * rgb.shape[0] * rgb.shape[1]:
            continue
        line_area = max(box[2] * box[3], 1.0)
        if not cfg.phi_label_min_growth * line_area <= label[2] * label[3] <= cfg.phi_label_max_growth * line_area:
            continue
        area = union([grow_box(label, cfg.label_margin), box])
        members = [k for k, b in enumerate(boxes) if center_in(b.box, area)]
        found.append(Group("wristband", members, area))
    return found


def _wristbands(boxes: list[TextBox], scan: CodeScan, width: int, height: int,
                cfg: TextSceneConfig) -> list[Group]:
    """A code on a white label is a wristband (or specimen) label: the whole label is hidden,
    with every text line on it, readable or not."""
    groups: list[Group] = []
    for code, label in zip(scan.codes, scan.labels):
        x, y, w, h = code.box
        if label is None:
            # No clean label edge (e.g. label and background both white): hide a generous
            # area around the code when text sits next to it.
            near = [i for i, b in enumerate(boxes) if gap(b.box, code.box) < cfg.code_near * max(w, h)]
            if not near:
                continue
            label = grow_box(code.box, cfg.code_reach)
        lw, lh = label[2], label[3]
        if lw * lh > cfg.label_max_fraction * width * height:
            continue  # not a label: the code's own region still hides the code
        area = union([grow_box(label, cfg.label_margin), code.box])
        overlapping = [g for g in groups if overlap(area, g.box) > 0]
        for g in overlapping:  # two codes on one label: one region for the label
            area = union([area, g.box])
            groups.remove(g)
        members = [i for i, b in enumerate(boxes) if center_in(b.box, area)]
        groups.append(Group("wristband", members, area, [code] + [c for g in overlapping for c in g.codes]))
    return groups


def _plain_labels(rgb: np.ndarray, boxes: list[TextBox], groups: list[Group], engine,
                  config: DetectorConfig) -> list[Group]:
    """White labels with small print and no visible code (see labels.py)."""
    cfg = config.text_scene
    found: list[Group] = []
    height, width = rgb.shape[:2]
    for label in confirmed_labels(rgb, engine, config.labels):
        lw, lh = label[2], label[3]
        if lw * lh > cfg.label_max_fraction * width * height:
            continue
        area = grow_box(label, cfg.label_margin)
        if any(overlap(area, g.box) > 0 for g in groups + found):
            continue
        members = [i for i, b in enumerate(boxes) if center_in(b.box, area)]
        found.append(Group("wristband", members, area))
    return found


def _documents(boxes: list[TextBox], taken: set[int], width: int, height: int,
               cfg: TextSceneConfig) -> list[Group]:
    """Clusters of many small, close lines: charts, forms, whiteboards, screens of text."""
    idx = [i for i in range(len(boxes)) if i not in taken]
    parent = {i: i for i in idx}

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    heights = {i: max(boxes[i].height, 1.0) for i in idx}
    aabbs = {i: boxes[i].box for i in idx}
    for a, i in enumerate(idx):
        for j in idx[a + 1:]:
            hi, hj = heights[i], heights[j]
            if max(hi, hj) > cfg.doc_height_ratio * min(hi, hj):
                continue
            if gap(aabbs[i], aabbs[j]) < cfg.doc_gap * max(hi, hj):
                parent[find(i)] = find(j)
    clusters: dict[int, list[int]] = {}
    for i in idx:
        clusters.setdefault(find(i), []).append(i)
    long_side = max(width, height)
    docs: list[tuple[list[int], float]] = []
    for members in clusters.values():
        median_h = float(np.median([heights[i] for i in members]))
        if len(members) >= cfg.doc_min_lines and median_h <= cfg.doc_max_line_fraction * long_side:
            docs.append((members, median_h))
    return _grow_documents(docs, boxes, taken, cfg)


def _grow_documents(docs: list[tuple[list[int], float]], boxes: list[TextBox],
                    taken: set[int], cfg: TextSceneConfig) -> list[Group]:
    """A page's headers, footers and side notes sit a little apart from its body text:
    absorb lines close to a document and merge documents that touch."""
    groups = [Group("document", members, union([boxes[i].box for i in members])) for members, _ in docs]
    reach = {id(g): cfg.doc_reach * h for g, (_, h) in zip(groups, docs)}
    changed = True
    while changed:
        changed = False
        owned = {i for g in groups for i in g.members} | taken
        for g in groups:
            pad = reach[id(g)]
            x, y, w, h = g.box
            zone = (x - pad, y - pad, w + 2 * pad, h + 2 * pad)
            extra = [i for i in range(len(boxes)) if i not in owned and center_in(boxes[i].box, zone)
                     and boxes[i].height <= pad]
            if extra:
                g.members += extra
                g.box = union([g.box] + [boxes[i].box for i in extra])
                owned.update(extra)
                changed = True
        for a in range(len(groups)):
            for b in range(a + 1, len(groups)):
                ga, gb = groups[a], groups[b]
                if gap(ga.box, gb.box) < max(reach[id(ga)], reach[id(gb)]):
                    ga.members += gb.members
                    ga.box = union([ga.box, gb.box])
                    reach[id(ga)] = max(reach[id(ga)], reach[id(gb)])
                    del groups[b]
                    changed = True
                    break
            if changed:
                break
    return groups


def _pages(analysis: ImageAnalysis, boxes: list[TextBox], groups: list[Group]) -> list[Group]:
    """Pages of print (pages.py) not already hidden as a label or a document; a document
    that lies on a page grows to the whole page. The tightest outline around a page is
    taken: a looser one is the sheet joined to pale things beside it. But the block of print
    on a sheet, ringed by the sheet's pale margin, comes after the outlines around it: the
    sheet's margin holds its header and footer."""
    height, width = analysis.rgb.shape[:2]
    outlines = analysis.outlines.quads + analysis.outlines.plain
    max_line = analysis.config.text_scene.doc_max_line_fraction * max(height, width)
    pages = printed_pages(analysis.gray, outlines, max_line, analysis.config.pages)
    found: list[Group] = []
    on_a_page: set[int] = set()   # ids of groups already grown to, or found as, a page
    for page in sorted(pages, key=lambda q: (print_on_paper(q, analysis.config.pages), q.box[2] * q.box[3])):
        on_page = [g for g in groups + found if center_in(g.box, page.box)]
        if any(g.kind == "wristband" or id(g) in on_a_page for g in on_page):
            continue
        page_area = page.box[2] * page.box[3]
        if any(center_in(page.box, g.box) and g.box[2] * g.box[3] >= page_area for g in groups + found):
            continue  # the page lies within a larger document already
        polygon = np.asarray(page.polygon, np.float32)
        owned = {i for g in groups + found for i in g.members}
        members = [i for i, b in enumerate(boxes) if i not in owned
                   and cv2.pointPolygonTest(polygon, (b.box[0] + b.box[2] / 2, b.box[1] + b.box[3] / 2), False) >= 0]
        if on_page:
            group = on_page[0]
            group.members += members
            group.box = union([group.box, page.box])
        else:
            group = Group("document", members, page.box)
            found.append(group)
        on_a_page.add(id(group))
    return found
