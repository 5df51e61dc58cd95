/*
 * Boxes and detections in frame coordinates, and the small amount of
 * geometry shared by detection, tracking and obscuring.
 */
#ifndef CAMVEIL_GEOM_H
#define CAMVEIL_GEOM_H

/* Axis-aligned box: top-left corner and size, in pixels (float). */
struct box {
	float x, y, w, h;
};

/* Integer pixel rectangle, half-open: [x, x+w) x [y, y+h). */
struct rect {
	int x, y, w, h;
};

/* One detected face: box, confidence in [0,1], 5 landmarks (x,y pairs). */
struct det {
	struct box box;
	float score;
	float kps[10];
};

float geom_area(struct box b);
/* Intersection over union; 0 when either box is empty. */
float geom_iou(struct box a, struct box b);
/* Fraction of b's area that lies inside a. */
float geom_cover(struct box a, struct box b);

/*
 * Greedy non-maximum suppression in place: sorts by score, drops any
 * detection whose IoU with a kept higher-scoring one exceeds thresh.
 * Returns the number kept (they occupy dets[0..ret)).
 */
int geom_nms(struct det *dets, int n, float thresh);

/*
 * Grow a face box (eyes-to-chin as detectors report it) to cover the
 * whole head including hair and ears: widen by `side` of the width on
 * each side, extend up by `top` and down by `bottom` of the height.
 */
struct box geom_head(struct box face, float side, float top, float bottom);

/* Scale a box about its centre by factor f. */
struct box geom_scale(struct box b, float f);

/* Smallest integer rect containing b, clipped to [0,w) x [0,h); may be empty. */
struct rect geom_clip(struct box b, int w, int h);

#endif
