/**
 * Removing a row removes the button that had focus, and focus would fall back to the page's
 * start. It goes instead to the "Add…" button of the list the row was in: the list's element
 * carries `data-list`, its add button `data-list-add` (a nested list's buttons are its own).
 * Call it from the click, before the row goes: `removed` is the clicked button (or the row).
 */
export function focusListAdd(removed: Element): void {
  const list = removed.closest<HTMLElement>('[data-list]')
  if (!list) return
  // The row leaves in the render the click causes; the button is looked for after it.
  requestAnimationFrame(() => {
    const add = [...list.querySelectorAll<HTMLElement>('[data-list-add]')].find((button) => button.closest('[data-list]') === list)
    add?.focus()
  })
}

/** A remove button's click handler: focus to the list's add button, then `onRemove`. */
export const removingRow =
  (onRemove: () => void) =>
  (event: { currentTarget: Element }): void => {
    focusListAdd(event.currentTarget)
    onRemove()
  }
