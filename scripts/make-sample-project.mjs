#!/usr/bin/env node
// Generates a small survey project for the demo, byte for byte the same on every machine.
//   node scripts/make-sample-project.mjs [dir]     (default examples/sample-project; prints the folder's path)
//
// Two reels (one video big enough to go multipart with 8 MiB parts, one not), sidecars, a stray .tmp the
// uploader must leave out, and the config, GIS, log and report folders of a real survey.
import { createCipheriv, createHash } from 'node:crypto';
import {
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  utimesSync,
  writeFileSync,
} from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** Bump whenever the generated content changes, so existing copies are regenerated. */
const CONTENT_VERSION = 'sample-project v1';
const MARKER = '.sample-project-version';
const MIB = 1024 * 1024;
// a fixed mtime keeps size+mtime based skip decisions stable across regenerations
const MTIME = new Date('2025-06-14T10:00:00Z');
const ORIGIN = { lat: -33.8688, lon: 151.2093 };
const START_MS = Date.parse('2025-06-14T08:30:00Z');

/** Incompressible bytes from a seed: the AES-256-CTR keystream, deterministic and far faster than hashing. */
function randomBytes(seed, sizeBytes) {
  const key = createHash('sha256').update(seed).digest();
  const cipher = createCipheriv('aes-256-ctr', key, Buffer.alloc(16));
  return Buffer.concat([cipher.update(Buffer.alloc(sizeBytes)), cipher.final()]);
}

/** mulberry32: a tiny seeded PRNG for plausible numbers in the text files. */
function makePrng(seed) {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function trackPoints(reelIndex, count) {
  const next = makePrng(1000 + reelIndex);
  return Array.from({ length: count }, (_, i) => ({
    frame: i * 30,
    timeIso: new Date(START_MS + reelIndex * 3_600_000 + i * 1000).toISOString(),
    lat: +(ORIGIN.lat + reelIndex * 0.01 + i * 0.00012 + next() * 0.00001).toFixed(7),
    lon: +(ORIGIN.lon + i * 0.00009 + next() * 0.00001).toFixed(7),
    chainageM: +(i * 14.2 + next()).toFixed(2),
  }));
}

function reelJson(reel, points, videoBytes) {
  const first = points[0];
  const last = points.at(-1);
  return JSON.stringify(
    {
      reel,
      camera: 'LB-360-04',
      fps: 30,
      videoBytes,
      start: first.timeIso,
      end: last.timeIso,
      frames: last.frame,
    },
    null,
    2,
  );
}

function reelCsv(points) {
  const rows = points.map((p) => `${p.frame},${p.timeIso},${p.lat},${p.lon},${p.chainageM}`);
  return ['frame,timestamp,lat,lon,chainage_m', ...rows].join('\n') + '\n';
}

function reelGpx(reel, points) {
  const trkpts = points.map(
    (p) => `      <trkpt lat="${p.lat}" lon="${p.lon}"><time>${p.timeIso}</time></trkpt>`,
  );
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    '<gpx version="1.1" creator="upload-to-s3 sample" xmlns="http://www.topografix.com/GPX/1/1">',
    `  <trk><name>${reel}</name><trkseg>`,
    ...trkpts,
    '  </trkseg></trk>',
    '</gpx>',
    '',
  ].join('\n');
}

function reelFiles(reel, reelIndex, videoBytes) {
  const points = trackPoints(reelIndex, 40);
  const dir = `reels/${reel}`;
  return {
    [`${dir}/${reel}.mp4`]: randomBytes(`${reel}.mp4`, videoBytes),
    [`${dir}/${reel}.json`]: reelJson(reel, points, videoBytes),
    [`${dir}/${reel}.csv`]: reelCsv(points),
    [`${dir}/${reel}.gpx`]: reelGpx(reel, points),
  };
}

function configFiles() {
  return {
    'config/project.yaml': [
      'project_key: RMI25320',
      'client: Roads and Maritime',
      'survey: Pacific Highway lane survey',
      'vehicle: LB-360-04',
      'crs: EPSG:7856',
      '',
    ].join('\n'),
    'config/settings.json': JSON.stringify(
      { fps: 30, exposure: 'auto', gpsRateHz: 1, lidar: false },
      null,
      2,
    ),
    'config/notes.txt': 'Reel R002 restarted after a camera overheat warning at 09:41.\n',
  };
}

/** Shapefile headers carry the real magic number and length, so GIS tools recognise the set. */
function shapefileHeader(totalBytes) {
  const header = Buffer.alloc(100);
  header.writeInt32BE(9994, 0);
  header.writeInt32BE(totalBytes / 2, 24);
  header.writeInt32LE(1000, 28);
  header.writeInt32LE(3, 32);
  return header;
}

function shapefile(seed, totalBytes) {
  return Buffer.concat([shapefileHeader(totalBytes), randomBytes(seed, totalBytes - 100)]);
}

function gisFiles() {
  const points = trackPoints(0, 12);
  const coordinates = points.map((p) => [p.lon, p.lat]);
  const kmlCoordinates = coordinates.map(([lon, lat]) => `${lon},${lat},0`).join(' ');
  return {
    'gis_data/route.shp': shapefile('route.shp', 4096),
    'gis_data/route.shx': shapefile('route.shx', 228),
    'gis_data/route.dbf': randomBytes('route.dbf', 1500),
    'gis_data/route.prj': 'PROJCS["GDA2020 / MGA zone 56",GEOGCS["GDA2020",DATUM["GDA2020"]]]\n',
    'gis_data/route.geojson': JSON.stringify({
      type: 'FeatureCollection',
      features: [
        { type: 'Feature', properties: { reel: 'R001' }, geometry: { type: 'LineString', coordinates } },
      ],
    }),
    'gis_data/route.kml': [
      '<?xml version="1.0" encoding="UTF-8"?>',
      '<kml xmlns="http://www.opengis.net/kml/2.2"><Placemark><name>R001</name>',
      `<LineString><coordinates>${kmlCoordinates}</coordinates></LineString></Placemark></kml>`,
      '',
    ].join('\n'),
  };
}

function logFiles() {
  const next = makePrng(7);
  const lines = Array.from({ length: 200 }, (_, i) => {
    const time = new Date(START_MS + i * 17_000).toISOString();
    return `${time} INFO camera frame_rate=${(29.9 + next() * 0.2).toFixed(2)} temp_c=${(41 + next() * 9).toFixed(1)}`;
  });
  return {
    'logs/camera.log': lines.join('\n') + '\n',
    'logs/operator.txt': 'Operator: J. Citizen\nWeather: overcast, dry\nAll reels checked on site.\n',
  };
}

function reportFiles() {
  const pngSignature = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
  return {
    'report/survey-report.pdf': Buffer.concat([
      Buffer.from('%PDF-1.4\n%sample survey report\n'),
      randomBytes('survey-report.pdf', 64 * 1024),
      Buffer.from('\n%%EOF\n'),
    ]),
    'report/survey-report.html': '<!doctype html><title>RMI25320</title><h1>Survey report RMI25320</h1>\n',
    'report/route-map.png': Buffer.concat([pngSignature, randomBytes('route-map.png', 20 * 1024)]),
  };
}

function sampleFiles() {
  return {
    ...reelFiles('R001', 1, 12 * MIB + 4321),
    ...reelFiles('R002', 2, 3 * MIB + 123),
    // an interrupted copy left behind by the capture software: the uploader must not send it
    'reels/R001/R001.mp4.tmp': randomBytes('R001.mp4.tmp', 4096),
    ...configFiles(),
    ...gisFiles(),
    ...logFiles(),
    ...reportFiles(),
  };
}

function writeTree(root, files) {
  for (const [relPath, content] of Object.entries(files)) {
    const path = join(root, relPath);
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, content);
    utimesSync(path, MTIME, MTIME);
  }
}

function readMarker(dir) {
  try {
    return readFileSync(join(dir, MARKER), 'utf8').trim();
  } catch {
    return undefined;
  }
}

function isEmptyOrMissing(dir) {
  return !existsSync(dir) || readdirSync(dir).length === 0;
}

/** Builds beside the target and renames, so a crash never leaves a half-written project that looks complete. */
function generate(dir) {
  const staging = `${dir}.staging-${process.pid}`;
  rmSync(staging, { recursive: true, force: true });
  writeTree(staging, sampleFiles());
  writeFileSync(join(staging, MARKER), CONTENT_VERSION + '\n');
  rmSync(dir, { recursive: true, force: true });
  renameSync(staging, dir);
}

function main() {
  const projectRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..');
  const [target] = process.argv.slice(2);
  if (target?.startsWith('-')) {
    console.error('usage: node scripts/make-sample-project.mjs [FOLDER]  (default: examples/sample-project)');
    process.exit(target === '--help' || target === '-h' ? 0 : 1);
  }
  const dir = resolve(target ?? join(projectRoot, 'examples', 'sample-project'));
  const marker = readMarker(dir);
  if (marker === CONTENT_VERSION) {
    console.error(`sample project is up to date (${CONTENT_VERSION})`);
  } else if (marker === undefined && !isEmptyOrMissing(dir)) {
    console.error(
      `make sample project ${dir}: folder exists and was not made by this script; choose another folder`,
    );
    process.exit(1);
  } else {
    generate(dir);
    console.error(`sample project generated (${CONTENT_VERSION})`);
  }
  console.log(dir);
}

main();
