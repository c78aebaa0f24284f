"""What tests/test_browser_notebooks.py does in the page, in JupyterLab's own terms: open a notebook in the running
app, Run All, read what the cells hold, find the widget controls in an output and move each one, close the notebook
and shut its kernel down. One page serves every notebook (no reload between them)."""
from __future__ import annotations

# The controls of ipywidgets 8 the course's widgets use, by the class of their root element.
CONTROLS = ".widget-slider, .widget-dropdown, .widget-text, .widget-toggle-buttons, .widget-play, .widget-checkbox"

TRIES = {"slider": 2}   # moves of one control before its output must have changed (move() says which)
ORDER = ["slider", "dropdown", "toggle-buttons", "checkbox", "text", "play"]   # the order they are moved in

OPEN = """async path => {
  const app = window.jupyterapp;
  const panel = await app.commands.execute('docmanager:open', {path, factory: 'Notebook'});
  await panel.context.ready;
  await panel.sessionContext.ready;
  app.shell.activateById(panel.id);
}"""

KERNEL_IDLE = """path => { const w = window.jupyterapp.shell.currentWidget;
  return w?.context?.path === path && w.sessionContext?.session?.kernel?.status === 'idle'; }"""

RUN_ALL = """() => { window.__dlsysRan = false;
  window.jupyterapp.commands.execute('notebook:run-all-cells').then(() => { window.__dlsysRan = true; }); }"""

RAN = """() => window.__dlsysRan
  && window.jupyterapp.shell.currentWidget.sessionContext.session.kernel.status === 'idle'
  && !window.jupyterapp.shell.currentWidget.content.widgets.some(c => c.model.type === 'code'
       && c.promptNode?.textContent.includes('*'))"""

# What each code cell holds after the run, from the notebook's model (independent of which cells are on screen).
CELLS = """() => window.jupyterapp.shell.currentWidget.content.widgets.map((cell, index) => {
  if (cell.model.type !== 'code') return null;
  const outputs = cell.model.sharedModel.outputs || [];
  return {index, source: cell.model.sharedModel.getSource(), count: cell.model.executionCount,
          errors: outputs.filter(o => o.output_type === 'error').map(o => `${o.ename}: ${o.evalue}`),
          stderr: outputs.filter(o => o.output_type === 'stream' && o.name === 'stderr')
                         .map(o => Array.isArray(o.text) ? o.text.join('') : o.text),
          widgets: outputs.filter(o => o.data && o.data['application/vnd.jupyter.widget-view+json']).length};
}).filter(c => c)"""

# The rendered widget views of cell `index` (a view's root is the output itself, with no mime type) and the text of
# any that failed ("Error displaying widget: model not found").
WIDGET_VIEWS = """index => {
  const cell = window.jupyterapp.shell.currentWidget.content.widgets[index].node;
  return {count: cell.querySelectorAll('.jp-OutputArea-output > .jupyter-widgets').length,
          broken: [...cell.querySelectorAll('.jp-OutputArea-output')].map(o => o.textContent)
                    .filter(t => t.includes('Error displaying widget')).map(t => t.slice(0, 200))};
}"""

# Mark every enabled control of cell `index` with data-dlsys-control=N; returns their kinds.
MARK_CONTROLS = """([index, selector]) => {
  const cell = window.jupyterapp.shell.currentWidget.content.widgets[index].node;
  const roots = [...cell.querySelectorAll(selector)].filter(r => !r.classList.contains('mod-disabled')
      && !r.querySelector(':disabled') && r.offsetParent !== null);
  return roots.map((root, n) => { root.dataset.dlsysControl = `${index}-${n}`;
    return ['slider', 'dropdown', 'text', 'toggle-buttons', 'play', 'checkbox']
             .find(kind => root.classList.contains('widget-' + kind)); });
}"""

# What cell `index` shows apart from its controls: figures (img, svg, canvas pixels) and the text of its outputs.
OUTPUT_STATE = """index => {
  const area = window.jupyterapp.shell.currentWidget.content.widgets[index].node.querySelector('.jp-Cell-outputArea');
  const parts = [];
  area.querySelectorAll('img').forEach(i => parts.push(i.src));
  area.querySelectorAll('canvas').forEach(c => { try { parts.push(c.toDataURL()); } catch (e) { parts.push('?'); } });
  area.querySelectorAll('svg').forEach(s => { if (!s.closest('button')) parts.push(s.outerHTML); });
  area.querySelectorAll('.widget-output, .widget-html-content').forEach(e => parts.push(e.textContent));
  return parts.join('\\n');
}"""

CUT_LABELS = """index => [...window.jupyterapp.shell.currentWidget.content.widgets[index].node
  .querySelectorAll('.widget-label')]
  .filter(l => l.offsetParent && l.scrollWidth > l.clientWidth + 1).map(l => l.textContent)"""

CLOSE = """async () => { const panel = window.jupyterapp.shell.currentWidget;
  await panel.sessionContext.shutdown(); panel.dispose(); }"""


def move(page, root, kind: str, attempt: int = 0) -> None:
    """Move one control the way a student would: a slider a step (back if it is at its end), then, on a second
    attempt, to its other end (a step can be below what the output resolves: week 5's registers per thread); the next
    option of a dropdown, a number one larger, another toggle button, the play button, a checkbox."""
    if kind == "slider":
        handle = root.locator(".noUi-handle").first
        at_end = handle.get_attribute("aria-valuenow") == handle.get_attribute("aria-valuemax")
        handle.focus()
        step = "ArrowLeft" if at_end else "ArrowRight"
        page.keyboard.press(step if attempt == 0 else ("Home" if at_end else "End"))
    elif kind == "dropdown":
        select = root.locator("select")
        options = select.locator("option").all_inner_texts()
        current = select.evaluate("s => s.selectedIndex")
        select.select_option(index=(current + 1) % len(options))
    elif kind == "text":
        box = root.locator("input")
        value = box.input_value()
        box.fill(str(float(value) + 1) if value.replace(".", "", 1).lstrip("-").isdigit() else value + "x")
        box.press("Enter")
    elif kind == "toggle-buttons":
        root.locator("button:not(.mod-active)").first.click()
    elif kind == "play":
        root.locator("button").first.click()
    elif kind == "checkbox":
        root.locator("input").click()


def stop(root, kind: str) -> None:
    """After a Play control changed the output: pause it, so it does not go on redrawing."""
    if kind == "play":
        root.locator("button").nth(1).click()


def movable(kind: str, root) -> bool:
    """Whether the control has somewhere to move (a dropdown of one option has not)."""
    if kind == "dropdown":
        return root.locator("option").count() > 1
    if kind == "slider":
        handle = root.locator(".noUi-handle").first
        return handle.get_attribute("aria-valuemin") != handle.get_attribute("aria-valuemax")
    return True
