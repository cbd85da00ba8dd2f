// Visit photos in the browser: pick 0–9 (camera or album), show thumbnails, remove one, and shrink each before it is
// stored or sent: decoded upright (EXIF orientation applied), long edge at most 1600 px, re-encoded as JPEG ~0.82.
// Re-encoding through a canvas also leaves the camera's metadata (GPS, serial numbers) behind; the server strips
// it again anyway.
import { h, replace, uid } from './dom.js';
import { t } from './i18n.js';

export const MAX_PHOTOS = 9;
export const LONG_EDGE = 1600;
export const QUALITY = 0.82;

async function decode(file) {
  if (typeof createImageBitmap === 'function') {
    try {
      return await createImageBitmap(file, { imageOrientation: 'from-image' });
    } catch {
      // Some browsers refuse the options or the format here but can still show it in an <img>.
    }
  }
  const url = URL.createObjectURL(file);
  try {
    const img = new Image();
    img.src = url;
    await img.decode();
    return img;
  } finally {
    URL.revokeObjectURL(url);
  }
}

function encode(source, width, height) {
  if (typeof OffscreenCanvas === 'function') {
    const canvas = new OffscreenCanvas(width, height);
    canvas.getContext('2d').drawImage(source, 0, 0, width, height);
    return canvas.convertToBlob({ type: 'image/jpeg', quality: QUALITY });
  }
  const canvas = document.createElement('canvas');
  canvas.width = width;
  canvas.height = height;
  canvas.getContext('2d').drawImage(source, 0, 0, width, height);
  return new Promise((resolve, reject) => canvas.toBlob((b) => (b ? resolve(b) : reject(new Error('encode'))), 'image/jpeg', QUALITY));
}

/**
 * The photo to send for a picked file: a JPEG whose long edge is at most LONG_EDGE. A format this browser cannot
 * decode (HEIC outside Safari) is kept as it is when the server takes it, else the promise rejects.
 */
export async function shrink(file) {
  let source;
  try {
    source = await decode(file);
  } catch (error) {
    if (/^image\/(heic|heif)$/.test(file.type)) return file;
    throw error;
  }
  const width = source.width || source.naturalWidth;
  const height = source.height || source.naturalHeight;
  const scale = Math.min(1, LONG_EDGE / Math.max(width, height));
  const blob = await encode(source, Math.max(1, Math.round(width * scale)), Math.max(1, Math.round(height * scale)));
  if (source.close) source.close();
  return blob;
}

/** 1234567 → "1.2 MB", 81234 → "79 kB". */
export function sizeText(bytes) {
  if (bytes >= 1024 * 1024) return `${(bytes / 1024 / 1024).toFixed(1)} MB`;
  return `${Math.max(1, Math.round(bytes / 1024))} kB`;
}

/**
 * The picker of the check-in form. Returns { el, photos(), ready() }: photos() the picked ones in order, each
 * { blob, state }; ready() resolves once every picked photo is shrunk (or failed). onChange runs after each change.
 */
export function photoPicker({ max = MAX_PHOTOS, onChange = () => {} } = {}) {
  const picked = [];
  const inputId = uid('photos');
  const input = h('input', { id: inputId, type: 'file', accept: 'image/*', capture: 'environment', multiple: true,
    class: 'photo-input', data: { test: 'photo-input' } });
  const count = h('span', { class: 'muted small', data: { test: 'photo-count' } });
  const message = h('div', { class: 'field-error', role: 'alert', hidden: true, data: { test: 'photo-limit' } });
  const grid = h('ul', { class: 'photo-grid', data: { test: 'photo-grid' } });
  const add = h('label', { for: inputId, class: 'btn small photo-add', data: { test: 'add-photo' } }, t('photos.add'));
  const el = h('fieldset', { class: 'photos', data: { field: 'photos', test: 'photo-picker' } },
    h('legend', {}, t('photos.title'), ' ', count), input, add, message, grid);

  function refresh() {
    count.textContent = t('photos.count', { n: picked.length, max });
    onChange();
  }

  function thumb(photo, index) {
    const state = h('span', { class: 'photo-state', data: { test: 'photo-state' } });
    const img = h('img', { src: photo.url, alt: t('photos.alt', { n: index + 1 }), data: { test: 'photo-thumb-img' } });
    const remove = h('button', { type: 'button', class: 'icon-btn photo-remove', 'aria-label': t('photos.remove', { n: index + 1 }),
      data: { test: 'remove-photo' }, onclick: () => {
        const at = picked.indexOf(photo);
        if (at >= 0) picked.splice(at, 1);
        URL.revokeObjectURL(photo.url);
        message.hidden = true;
        render();
      } }, '×');
    const li = h('li', { class: 'photo', data: { test: 'photo-thumb', state: photo.state } }, img, state, remove);
    const showState = () => {
      li.dataset.state = photo.state;
      state.textContent = photo.state === 'shrinking' ? t('photos.shrinking')
        : photo.state === 'failed' ? t('photos.unreadable')
          : sizeText(photo.blob.size);
    };
    photo.show = showState;
    showState();
    return li;
  }

  function render() {
    replace(grid, picked.map(thumb));
    refresh();
  }

  input.addEventListener('change', () => {
    const files = [...input.files];
    input.value = '';
    const room = max - picked.length;
    if (files.length > room) {
      message.textContent = t('photos.limit', { max, n: files.length - Math.max(0, room) });
      message.hidden = false;
    } else {
      message.hidden = true;
    }
    for (const file of files.slice(0, Math.max(0, room))) {
      const photo = { file, blob: null, state: 'shrinking', url: URL.createObjectURL(file) };
      photo.done = shrink(file).then((blob) => {
        photo.blob = blob;
        photo.state = 'ready';
        URL.revokeObjectURL(photo.url);
        photo.url = URL.createObjectURL(blob);
        const img = grid.children[picked.indexOf(photo)]?.querySelector('img');
        if (img) img.src = photo.url;
      }, () => {
        photo.state = 'failed';
      }).finally(() => {
        if (photo.show) photo.show();
        refresh();
      });
      picked.push(photo);
    }
    render();
  });

  return {
    el,
    photos: () => picked.filter((p) => p.state === 'ready'),
    failed: () => picked.filter((p) => p.state === 'failed'),
    ready: () => Promise.all(picked.map((p) => p.done)),
    release: () => picked.forEach((p) => URL.revokeObjectURL(p.url)),
  };
}
