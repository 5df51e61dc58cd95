/*
 * YuNet on OpenCV DNN. Debian's OpenCV 4.6 cv::FaceDetectorYN only knows
 * the 2021 output layout, so the net is loaded with cv::dnn::readNet and
 * the 2023 outputs (cls/obj/bbox/kps per stride 8, 16, 32) are decoded
 * here: score = sqrt(cls * obj), anchor-free boxes centred at
 * (col + dx, row + dy) * stride with size exp(dw, dh) * stride.
 */
#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include <opencv2/core.hpp>
#include <opencv2/dnn.hpp>
#include <opencv2/imgproc.hpp>

extern "C" {
#include "../util/err.h"
#include "../util/log.h"
#include "yunet.h"
}

/*
 * OpenCV DNN re-plans and reallocates the whole network whenever the
 * input shape changes, which costs several times a forward pass. The
 * scan plan uses a few fixed shapes (coarse, half coarse, tile), so each
 * shape gets its own network instance, loaded once from the model bytes.
 */
#define YUNET_SHAPES 6

struct shape_net {
	int w, h;
	cv::dnn::Net net;
	unsigned long used;	/* LRU stamp */
};

struct yunet {
	std::vector<uchar> model;	/* the ONNX file's bytes */
	std::vector<shape_net> nets;
	unsigned long clock = 0;
	std::vector<std::string> out_names;
	cv::Mat resized;
	cv::Mat blob;
	std::vector<cv::Mat> outs;
};

static const int strides[3] = { 8, 16, 32 };

static char *
dup_cause(const std::string &s)
{
	char *c = (char *)malloc(s.size() + 1);

	if (c != NULL)
		memcpy(c, s.c_str(), s.size() + 1);
	return c;
}

static cv::dnn::Net
load_net(struct yunet *y)
{
	cv::dnn::Net net = cv::dnn::readNetFromONNX(y->model);

	if (net.empty())
		throw cv::Exception(0, "empty network", "", "", 0);
	net.setPreferableBackend(cv::dnn::DNN_BACKEND_OPENCV);
	net.setPreferableTarget(cv::dnn::DNN_TARGET_CPU);
	return net;
}

/* The network instance for input shape w x h (loaded on first use). */
static cv::dnn::Net &
net_for(struct yunet *y, int w, int h)
{
	size_t lru = 0;

	for (size_t i = 0; i < y->nets.size(); i++) {
		if (y->nets[i].w == w && y->nets[i].h == h) {
			y->nets[i].used = ++y->clock;
			return y->nets[i].net;
		}
		if (y->nets[i].used < y->nets[lru].used)
			lru = i;
	}
	if (y->nets.size() < YUNET_SHAPES) {
		y->nets.push_back(shape_net());
		lru = y->nets.size() - 1;
	}
	y->nets[lru].w = w;
	y->nets[lru].h = h;
	y->nets[lru].net = load_net(y);
	y->nets[lru].used = ++y->clock;
	return y->nets[lru].net;
}

extern "C" int
yunet_create(const char *path, struct yunet **out, char **cause)
{
	struct yunet *y = NULL;

	*out = NULL;
	try {
		y = new yunet;
		FILE *fp = fopen(path, "rb");
		if (fp == NULL)
			throw cv::Exception(0, strerror(errno), "", "", 0);
		uchar chunk[65536];
		size_t got;
		while ((got = fread(chunk, 1, sizeof chunk, fp)) > 0)
			y->model.insert(y->model.end(), chunk, chunk + got);
		fclose(fp);
		cv::dnn::Net net = load_net(y);
		const char *names[] = { "cls", "obj", "bbox", "kps" };
		for (int s = 0; s < 3; s++)
			for (const char *nm : names)
				y->out_names.push_back(std::string(nm) + "_" +
				    std::to_string(strides[s]));
		/* Fail now, not on the first frame, if the layout is wrong. */
		std::vector<std::string> have = net.getUnconnectedOutLayersNames();
		for (const std::string &want : y->out_names) {
			bool found = false;
			for (const std::string &h : have)
				found = found || h == want;
			if (!found)
				throw cv::Exception(0, "model has no output '" + want +
				    "' (not a 2023-layout YuNet model)", "", "", 0);
		}
	} catch (const std::exception &e) {
		delete y;
		if (cause != NULL)
			*cause = dup_cause(std::string(path) + ": cannot load face model: " +
			    e.what());
		return ERR_MODEL;
	}
	*out = y;
	return 0;
}

extern "C" void
yunet_set_threads(int n)
{
	try {
		cv::setNumThreads(n > 0 ? n : -1);
	} catch (...) {
	}
}

extern "C" void
yunet_free(struct yunet **y)
{
	if (y == NULL || *y == NULL)
		return;
	delete *y;
	*y = NULL;
}

/* Output blobs come as [1, N, C] (or [N, C]); return a row pointer base. */
static const float *
out_data(const cv::Mat &m, int rows, int cols)
{
	if (m.total() != (size_t)rows * cols || m.type() != CV_32F)
		return NULL;
	return (const float *)m.data;
}

static float
clamp01(float v)
{
	return v < 0 ? 0 : v > 1 ? 1 : v;
}

extern "C" int
yunet_run(struct yunet *y, const uint8_t *bgr, int stride, struct rect roi,
    int in_w, int in_h, float thresh, struct det *out, int max, int *n)
{
	*n = 0;
	if (roi.w <= 0 || roi.h <= 0 || in_w % 32 || in_h % 32)
		return ERR_INVAL;
	try {
		cv::Mat img(roi.h, roi.w, CV_8UC3,
		    (void *)(bgr + (size_t)roi.y * stride + (size_t)roi.x * 3),
		    (size_t)stride);
		if (in_w == roi.w && in_h == roi.h) {
			cv::dnn::blobFromImage(img, y->blob);
		} else {
			cv::resize(img, y->resized, cv::Size(in_w, in_h), 0, 0,
			    in_w * 2 < roi.w ? cv::INTER_AREA : cv::INTER_LINEAR);
			cv::dnn::blobFromImage(y->resized, y->blob);
		}
		cv::dnn::Net &net = net_for(y, in_w, in_h);
		net.setInput(y->blob);
		net.forward(y->outs, y->out_names);

		float sx = (float)roi.w / in_w, sy = (float)roi.h / in_h;
		int count = 0;
		for (int s = 0; s < 3; s++) {
			int st = strides[s], cols = in_w / st, rows = in_h / st;
			int cells = rows * cols;
			const float *cls = out_data(y->outs[s * 4 + 0], cells, 1);
			const float *obj = out_data(y->outs[s * 4 + 1], cells, 1);
			const float *bb = out_data(y->outs[s * 4 + 2], cells, 4);
			const float *kp = out_data(y->outs[s * 4 + 3], cells, 10);
			if (!cls || !obj || !bb || !kp)
				throw cv::Exception(0, "unexpected output shape", "", "", 0);
			for (int r = 0; r < rows; r++) {
				for (int c = 0; c < cols; c++) {
					int i = r * cols + c;
					float score = std::sqrt(clamp01(cls[i]) * clamp01(obj[i]));
					if (score < thresh || count >= max)
						continue;
					const float *b = bb + i * 4;
					float cx = (c + b[0]) * st, cy = (r + b[1]) * st;
					float w = std::exp(b[2]) * st, h = std::exp(b[3]) * st;
					struct det *d = &out[count++];
					d->score = score;
					d->box.x = roi.x + (cx - w / 2) * sx;
					d->box.y = roi.y + (cy - h / 2) * sy;
					d->box.w = w * sx;
					d->box.h = h * sy;
					for (int k = 0; k < 5; k++) {
						d->kps[2 * k] = roi.x + (kp[i * 10 + 2 * k] + c) * st * sx;
						d->kps[2 * k + 1] = roi.y + (kp[i * 10 + 2 * k + 1] + r) * st * sy;
					}
				}
			}
		}
		*n = count;
	} catch (const std::exception &e) {
		log_error("face detector: %s", e.what());
		return ERR_DETECT;
	} catch (...) {
		log_error("face detector: unknown exception");
		return ERR_DETECT;
	}
	return 0;
}
