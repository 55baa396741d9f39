"""The product's URLs plus the intake benchmark's baseline endpoint (bench/baseline.py)."""

from django.urls import path

from bench.baseline import BaselineView
from config.urls import urlpatterns as product_urlpatterns

urlpatterns = [path("bench/baseline/", BaselineView.as_view()), *product_urlpatterns]
