// Jest setup provided by Grafana scaffolding
import './.config/jest-setup';

// The scaffold stubs getContext() to return undefined; @grafana/ui components
// that measure text (Combobox, Table) call ctx.measureText.
HTMLCanvasElement.prototype.getContext = function () {
  return {
    font: '',
    measureText: (text) => ({ width: String(text).length * 7 }),
    fillRect: () => {},
    clearRect: () => {},
    fillText: () => {},
  };
};

// Not in jsdom; used by @grafana/ui (virtualised lists, AutoSizer, menus).
if (!global.ResizeObserver) {
  global.ResizeObserver = class ResizeObserver {
    observe() {}
    unobserve() {}
    disconnect() {}
  };
}
if (!Element.prototype.scrollIntoView) {
  Element.prototype.scrollIntoView = () => {};
}
if (!global.IntersectionObserver) {
  global.IntersectionObserver = class IntersectionObserver {
    observe() {}
    unobserve() {}
    disconnect() {}
    takeRecords() {
      return [];
    }
  };
}
