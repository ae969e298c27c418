"""The whole-program layer: what no single file can tell.

Built once per run from every file's summary (``summary.py``, a function of the file's text,
cached with it) and its facts: the project's modules and the processes their imports form
(``modules.py``), the call graph and the origins of a trace context (``context.py``), and the
dependency manifests that say what is installed (``dependencies.py``). Rules never read it
directly: the project pass (``project.py``) asks it whether a context can exist where a
candidate finding sits, and in which process the code runs.
"""
