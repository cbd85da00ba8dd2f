// Visit photos in the browser: pick 0–9 (camera or album), show thumbnails, remove one, and shrink each before it is
// stored or sent: decoded upright (EXIF orientation applied), long edge at most 1600 px, re-encoded as JPEG ~0.82.
// Re-encoding through a canvas leaves the camera's metadata (maker, serial numbers, thumbnails) behind; only the
// capture time and position are carried over, for the server to record before it strips them too.
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

// Capture time and position survive the shrinking: they are read from the original's Exif and written into a
// minimal Exif block of the new JPEG (DateTimeOriginal, OffsetTimeOriginal, GPS latitude/longitude and nothing
// else), which the server reads before it strips the block. Anything unreadable is simply left out.

function readExif(buffer) {
  const v = new DataView(buffer);
  if (v.byteLength < 4 || v.getUint16(0) !== 0xFFD8) return null;
  for (let o = 2; o + 10 <= v.byteLength && v.getUint8(o) === 0xFF;) {
    const marker = v.getUint8(o + 1);
    const length = v.getUint16(o + 2);
    if (marker === 0xDA || marker === 0xD9) return null;
    if (marker === 0xE1 && v.getUint32(o + 4) === 0x45786966 && v.getUint16(o + 8) === 0) {
      return readTiff(new DataView(buffer, o + 10, Math.min(length - 8, v.byteLength - o - 10)));
    }
    o += 2 + length;
  }
  return null;
}

function readTiff(t) {
  const little = t.getUint16(0) === 0x4949;
  const u16 = (p) => t.getUint16(p, little);
  const u32 = (p) => t.getUint32(p, little);
  const ifd = (at) => {
    const out = {};
    for (let i = 0, n = u16(at); i < n; i += 1) {
      const e = at + 2 + i * 12;
      out[u16(e)] = { type: u16(e + 2), count: u32(e + 4), at: e + 8 };
    }
    return out;
  };
  const where = (e, size) => (e.count * size <= 4 ? e.at : u32(e.at));
  const ascii = (e) => (e && e.type === 2
    ? String.fromCharCode(...new Uint8Array(t.buffer, t.byteOffset + where(e, 1), e.count)).replace(/\0[\s\S]*$/, '') : null);
  const rationals = (e) => (e && e.type === 5 && e.count === 3
    ? [0, 1, 2].map((i) => [u32(where(e, 8) + i * 8), u32(where(e, 8) + i * 8 + 4)]) : null);
  const ifd0 = ifd(u32(4));
  const exif = ifd0[0x8769] ? ifd(u32(ifd0[0x8769].at)) : {};
  const gps = ifd0[0x8825] ? ifd(u32(ifd0[0x8825].at)) : {};
  return {
    time: ascii(exif[0x9003]) || ascii(ifd0[0x0132]), offset: ascii(exif[0x9011]),
    latRef: ascii(gps[1]), lat: rationals(gps[2]), lonRef: ascii(gps[3]), lon: rationals(gps[4]),
  };
}

function exifSegment(m) {
  const text = (value) => new TextEncoder().encode(`${value}\0`);
  const rational = (parts) => {
    const out = new Uint8Array(24);
    const view = new DataView(out.buffer);
    parts.forEach(([num, den], i) => { view.setUint32(i * 8, num); view.setUint32(i * 8 + 4, den); });
    return out;
  };
  const exif = [];
  if (/^\d{4}:\d\d:\d\d \d\d:\d\d:\d\d$/.test(m.time || '')) exif.push({ tag: 0x9003, type: 2, data: text(m.time) });
  if (exif.length && /^[+-]\d\d:\d\d$/.test(m.offset || '')) exif.push({ tag: 0x9011, type: 2, data: text(m.offset) });
  const gps = m.lat && m.lon && /^[NS]$/.test(m.latRef || '') && /^[EW]$/.test(m.lonRef || '') ? [
    { tag: 1, type: 2, data: text(m.latRef) }, { tag: 2, type: 5, count: 3, data: rational(m.lat) },
    { tag: 3, type: 2, data: text(m.lonRef) }, { tag: 4, type: 5, count: 3, data: rational(m.lon) },
  ] : [];
  if (!exif.length && !gps.length) return null;
  const tiff = new Uint8Array(512);
  const view = new DataView(tiff.buffer);
  const write = (at, entries) => {
    view.setUint16(at, entries.length);
    let extra = at + 2 + entries.length * 12 + 4;
    entries.forEach((e, i) => {
      const p = at + 2 + i * 12;
      view.setUint16(p, e.tag);
      view.setUint16(p + 2, e.type);
      view.setUint32(p + 4, e.count || e.data.length);
      if (e.data.length <= 4) {
        tiff.set(e.data, p + 8);
      } else {
        view.setUint32(p + 8, extra);
        tiff.set(e.data, extra);
        extra += e.data.length + (e.data.length % 2);
      }
    });
    return extra;
  };
  tiff.set([0x4D, 0x4D, 0, 42, 0, 0, 0, 8]);
  const pointers = [exif.length ? 0x8769 : 0, gps.length ? 0x8825 : 0].filter(Boolean);
  let end = write(8, pointers.map((tag) => ({ tag, type: 4, count: 1, data: new Uint8Array(4) })));
  [exif, gps].filter((entries) => entries.length).forEach((entries, i) => {
    view.setUint32(8 + 2 + i * 12 + 8, end);
    end = write(end, entries);
  });
  const segment = new Uint8Array(10 + end);
  segment.set([0xFF, 0xE1, (8 + end) >> 8, (8 + end) & 255, 0x45, 0x78, 0x69, 0x66, 0, 0]);
  segment.set(tiff.subarray(0, end), 10);
  return segment;
}

/** The new JPEG with the original's capture time and position, or as it is when the original had neither. */
async function carryExif(original, jpeg) {
  try {
    const metadata = readExif(await original.slice(0, 256 * 1024).arrayBuffer());
    const segment = metadata && exifSegment(metadata);
    if (!segment) return jpeg;
    const head = new DataView(await jpeg.slice(0, 6).arrayBuffer());
    // After the JFIF APP0 segment the encoder writes first, where readers look for Exif.
    const at = head.getUint16(2) === 0xFFE0 ? 4 + head.getUint16(4) : 2;
    return new Blob([jpeg.slice(0, at), segment, jpeg.slice(at)], { type: 'image/jpeg' });
  } catch {
    return jpeg;
  }
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
  return carryExif(file, blob);
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

  // One photo at a time: decoding several 12-megapixel photos at once can exhaust a phone's memory.
  let line = Promise.resolve();

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
    photo.li = li;
    photo.label = state;
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
      const job = line.then(() => shrink(file));
      line = job.catch(() => {});
      photo.done = job.then((blob) => {
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

  function photosReady() {
    return picked.filter((p) => p.state === 'ready');
  }

  return {
    el,
    photos: photosReady,
    failed: () => picked.filter((p) => p.state === 'failed'),
    ready: () => Promise.all(picked.map((p) => p.done)),
    release: () => picked.forEach((p) => URL.revokeObjectURL(p.url)),
    /** Shows the sending state of each photo (in the order of photos()): waiting, sending, sent, refused. */
    showSending: (states) => photosReady().forEach((p, i) => {
      if (!states[i] || !p.li) return;
      p.li.dataset.state = states[i];
      p.label.textContent = t(`photos.state.${states[i]}`);
    }),
  };
}
