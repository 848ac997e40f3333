"""The :class:`Explorer` every widget is built on: named controls, a text and a figure.

Taught in notebooks/02_core_concepts.ipynb (the first explorer a learner meets).
"""

from __future__ import annotations

import contextlib
import html
import io
from collections.abc import Iterator

import ipywidgets as ipw

from ..i18n import translate as tr

__all__ = ["Explorer"]

# Errors that a learner can cause by choosing settings; they are shown, not raised.
_SETTING_ERRORS = (ValueError, TypeError, RuntimeError)


def _figure(width, height):
    from matplotlib.figure import Figure

    fig = Figure(figsize=(width, height), dpi=72, layout="constrained")
    fig.get_layout_engine().set(h_pad=0.08, w_pad=0.05)
    return fig


def _png(fig):
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=72)
    return buffer.getvalue()


def _pre(text):
    return f"<pre style='margin:0; line-height:1.3'>{html.escape(text)}</pre>"


# JupyterLab's own theme variables (light and dark), with fallbacks for classic Notebook and
# VS Code: the text keeps the theme's body colour on the theme's error background, and a red
# bar marks it, so it stays readable in every theme.
ERROR_STYLE = (
    "color: var(--jp-content-font-color1, inherit);"
    " background: var(--jp-rendermime-error-background, rgba(244, 67, 54, 0.12));"
    " border-left: 4px solid var(--jp-error-color1, #d32f2f);"
    " padding: 4px 8px; white-space: pre-wrap; margin: 0"
)


def _localise(control) -> None:
    """The learner's language (deconv_course.i18n) on a control's label and option labels."""
    if getattr(control, "description", ""):
        control.description = tr(control.description)
    options = getattr(control, "options", None)
    if options and getattr(control, "_options_labels", None):
        # (label, value) pairs, or plain values that are their own labels (e.g. preset names)
        pairs = [o if isinstance(o, tuple) and len(o) == 2 else (str(o), o) for o in options]
        value = control.value
        control.options = [(tr(label), v) for label, v in pairs]
        control.value = value


def _error_html(message):
    return f"<pre class='deconv-error' style='{ERROR_STYLE}'>{html.escape(message)}</pre>"


class Explorer(ipw.VBox):
    """A VBox holding named controls, a text area and a figure, redrawn on every change.

    Parameters
    ----------
    title : str
    controls : dict[str, ipywidgets.Widget]
    compute : callable(explorer) -> dict
        Reads the controls and returns the new :attr:`state` (must hold ``"text"``; an
        ``"error"`` message, or a ValueError/TypeError/RuntimeError, shows the message
        instead of the figure).
    draw : callable(figure, state)
        Draws ``state`` on an empty ``matplotlib.figure.Figure``.
    layout_rows : list of widgets
        How the controls are laid out above the text and the figure.
    figsize : (float, float)
    observe : list of str, optional
        Names of the controls that trigger :meth:`update` (default: all).
    initial_update : bool
        Compute and draw once at construction.

    Attributes
    ----------
    controls : dict[str, ipywidgets.Widget]
        The inputs, by name (e.g. ``controls["stride"]``).
    state : dict
        What was last computed and shown: arrays behind the figure, numbers, ``"text"``
        (the plain text on the page) and ``"error"`` (``None`` or the message shown).
    text : ipywidgets.HTML
        The printed output (shapes, values, PSNR, or the error message).
    figure : ipywidgets.Image
        The figure, as a PNG.
    """

    def __init__(
        self, title, controls, compute, draw, layout_rows, figsize, observe=None, initial_update=True
    ):
        self.controls = dict(controls)
        self.state = {}
        self.num_updates = 0
        self._compute = compute
        self._draw = draw
        self._figsize = figsize
        self._suspended = False
        self.text = ipw.HTML(layout=ipw.Layout(min_height="2em"))
        self.figure = ipw.Image(format="png", layout=ipw.Layout(max_width="100%"))
        for control in self.controls.values():
            _localise(control)
        header = ipw.HTML(f"<b>{html.escape(tr(title))}</b>")
        super().__init__(children=[header, *layout_rows, self.text, self.figure])
        self.add_class("deconv-explorer")
        for name in self.controls if observe is None else observe:
            self.controls[name].observe(self._on_change, names="value")
        if initial_update:
            self.update()

    @property
    def last_result(self) -> dict:
        """Alias of :attr:`state`."""
        return self.state

    def values(self) -> dict:
        """The current control values, by name."""
        return {name: control.value for name, control in self.controls.items()}

    def _on_change(self, change):
        if not self._suspended:
            self.update()

    def update(self) -> None:
        """Recompute from the control values and redraw (called on every change)."""
        self.num_updates += 1
        try:
            state = self._compute(self)
        except _SETTING_ERRORS as error:
            message = f"{type(error).__name__}: {error}"
            state = {"error": message, "text": message}
        state.setdefault("error", None)
        self.state = state
        if state["error"] is not None:
            # The message replaces the figure: a learner sees what rule was broken.
            self.text.value = _error_html(state["text"])
            self.figure.layout.display = "none"
            return
        fig = _figure(*self._figsize)
        self._draw(fig, state)
        self.figure.value = _png(fig)
        self.figure.layout.display = None
        # The text changes last, so once it shows the new numbers the figure has too.
        self.text.value = _pre(state["text"])

    @contextlib.contextmanager
    def hold_updates(self) -> Iterator[None]:
        """Change controls inside this block without redrawing after each change."""
        previous, self._suspended = self._suspended, True
        try:
            yield
        finally:
            self._suspended = previous

    def set_values(self, **values: object) -> None:
        """Set several controls at once and redraw once."""
        with self.hold_updates():
            for name, value in values.items():
                self.controls[name].value = value
        self.update()
