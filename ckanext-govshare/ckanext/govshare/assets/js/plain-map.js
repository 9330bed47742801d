/* GovShare: GeoJSON maps on a plain background.
 *
 * ckanext-geoview draws the features over base tiles from a map provider on
 * the internet, which the portal (and many government networks) cannot
 * reach; with no provider set it adds an English notice linking to its
 * documentation instead. Here the map has no base layer: the features are
 * drawn on the map's own background, fitted to their bounds, with scale. */
(function (ckan) {
  'use strict';
  ckan.commonLeafletMap = function (container, mapConfig, leafletMapOptions) {
    var map = new L.Map(container, leafletMapOptions || {});
    L.control.scale({imperial: false}).addTo(map);
    return map;
  };
})(this.ckan);
