"""deconv_course: the helper package of the deconvolution course.

Two meanings of one word, taught side by side:

* deep learning's "deconvolution layer", the **transposed convolution**
  (:mod:`deconv_course.arithmetic`, :mod:`deconv_course.numpy_ops`, :mod:`deconv_course.torch_ops`);
* signal processing's **deconvolution**, undoing a blur (:mod:`deconv_course.restoration`).

Start with ``notebooks/00_start_here.ipynb``. Modules are imported lazily so that
``import deconv_course`` stays cheap and never imports torch by itself.
"""

# The one place the version is written: pyproject.toml reads it from here
# ([tool.setuptools.dynamic]); CHANGELOG.md says what changed.
__version__ = "0.2.0"

__all__ = ["__version__"]
