print("dataworks-exporter")
