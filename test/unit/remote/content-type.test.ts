/** The Content-Type stored with each object, by its key's extension. */
import { describe, expect, it } from 'vitest';
import { contentTypeFor } from '../../../src/remote/content-type.js';

describe('contentTypeFor', () => {
  it("types a survey's reels, sidecars, GIS layers and office reports, in any case", () => {
    expect(contentTypeFor('RMI25320/reels/R001/R001.MP4')).toBe('video/mp4');
    expect(contentTypeFor('p/reels/R001/R001.gpx')).toBe('application/gpx+xml');
    expect(contentTypeFor('p/gis_data/roads.gpkg')).toBe('application/geopackage+sqlite3');
    expect(contentTypeFor('p/gis_data/roads.tif.aux.xml')).toBe('application/xml');
    expect(contentTypeFor('p/gis_data/cloud.las')).toBe('application/vnd.las');
    expect(contentTypeFor('p/report/summary.doc')).toBe('application/msword');
    expect(contentTypeFor('p/report/summary.xls')).toBe('application/vnd.ms-excel');
  });

  it("leaves S3's default for extensions without a registered type, and for names without one", () => {
    expect(contentTypeFor('p/gis_data/roads.shp')).toBe('application/octet-stream');
    expect(contentTypeFor('p/logs/README')).toBe('application/octet-stream');
    expect(contentTypeFor('p/logs/.hidden')).toBe('application/octet-stream');
  });
});
